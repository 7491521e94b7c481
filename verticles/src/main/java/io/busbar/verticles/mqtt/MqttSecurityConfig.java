package io.busbar.verticles.mqtt;

import io.busbar.security.ratelimit.AuthGuard;
import io.busbar.security.ratelimit.RateLimitConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The broker's defences besides the token check, validated when built; each error names the key.
 *
 * @param rateLimits per-device PUBLISH rates (messages/s, bytes/s) and per-source-address CONNECT
 *     rates ({@code security.rate-limit.*}); a rate of 0 turns that limit off. Backend applications
 *     (role {@code app}) are not devices and have no PUBLISH limit.
 * @param authGuard bounds on authentications in flight and failed authentications per source
 *     address, so a flood of bad tokens cannot starve good clients
 * @param tlsPort port of the MQTT over TLS listener ({@code mqtt.tls-port}); 0 binds an ephemeral
 *     port, -1 turns it off
 * @param tlsCert PEM certificate chain of the TLS listener ({@code mqtt.tls-cert}), or {@code null}
 *     to generate a self-signed one for development under {@code tlsGeneratedDir}
 * @param tlsKey PEM private key of {@code tlsCert} ({@code mqtt.tls-key}), or {@code null}
 * @param tlsGeneratedDir where the generated development certificate is kept (reused across
 *     restarts), or {@code null} for a temporary directory
 */
public record MqttSecurityConfig(
    RateLimitConfig rateLimits,
    AuthGuard.Config authGuard,
    int tlsPort,
    Path tlsCert,
    Path tlsKey,
    Path tlsGeneratedDir) {

  /** The IANA port of MQTT over TLS. */
  public static final int DEFAULT_TLS_PORT = 8883;

  public MqttSecurityConfig {
    Objects.requireNonNull(rateLimits, "security.rate-limit");
    Objects.requireNonNull(authGuard, "security.auth-guard");
    if (tlsPort < -1 || tlsPort > 65_535) {
      throw new IllegalArgumentException(
          "mqtt.tls-port must be -1 (off) or 0..65535, was " + tlsPort);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          "mqtt.tls-cert and mqtt.tls-key go together, got cert=" + tlsCert + " key=" + tlsKey);
    }
  }

  /** No rate limits, the default auth guard, no TLS listener (tests of other features). */
  public static MqttSecurityConfig off() {
    return new MqttSecurityConfig(
        noRateLimits(), AuthGuard.Config.defaults(), -1, null, null, null);
  }

  /** Every rate off. */
  public static RateLimitConfig noRateLimits() {
    return new RateLimitConfig(0, 1, 0, 1, 0, 1, RateLimitConfig.DEFAULT_MAX_TRACKED_KEYS);
  }

  public MqttSecurityConfig withRateLimits(RateLimitConfig limits) {
    return new MqttSecurityConfig(limits, authGuard, tlsPort, tlsCert, tlsKey, tlsGeneratedDir);
  }

  public MqttSecurityConfig withAuthGuard(AuthGuard.Config guard) {
    return new MqttSecurityConfig(rateLimits, guard, tlsPort, tlsCert, tlsKey, tlsGeneratedDir);
  }

  /** A TLS listener on {@code port} with the given PEM files, or a generated certificate. */
  public MqttSecurityConfig withTls(int port, Path cert, Path key, Path generatedDir) {
    return new MqttSecurityConfig(rateLimits, authGuard, port, cert, key, generatedDir);
  }
}
