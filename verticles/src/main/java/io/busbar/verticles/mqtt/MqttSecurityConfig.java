package io.busbar.verticles.mqtt;

import io.busbar.security.ratelimit.AuthGuard;
import io.busbar.security.ratelimit.RateLimitConfig;
import io.busbar.security.tls.CertificateIdentity;
import io.busbar.security.tls.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param tlsEngine OpenSSL, the JDK's TLS, or OpenSSL when available ({@code mqtt.tls-engine})
 * @param tlsReloadInterval how often the certificate files are checked and reloaded when changed
 *     ({@code mqtt.tls-reload-interval}); zero never
 * @param tlsClientAuth whether the TLS listener asks for client certificates ({@code
 *     mqtt.tls-client-auth})
 * @param tlsTrust PEM CA certificates that sign client certificates ({@code mqtt.tls-trust}), or
 *     {@code null}
 * @param tlsIdentity what identifies a device on the TLS listener: token, certificate, either or
 *     both, and which certificate name is the device id ({@code mqtt.tls-device-auth}, {@code
 *     mqtt.tls-device-id}, {@code mqtt.tls-device-tenant})
 */
public record MqttSecurityConfig(
    RateLimitConfig rateLimits,
    AuthGuard.Config authGuard,
    int tlsPort,
    Path tlsCert,
    Path tlsKey,
    Path tlsGeneratedDir,
    TlsConfig.Engine tlsEngine,
    Duration tlsReloadInterval,
    TlsConfig.ClientAuthMode tlsClientAuth,
    Path tlsTrust,
    CertificateIdentity tlsIdentity) {

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
    tlsEngine = tlsEngine == null ? TlsConfig.Engine.AUTO : tlsEngine;
    tlsReloadInterval = tlsReloadInterval == null ? Duration.ZERO : tlsReloadInterval;
    if (tlsReloadInterval.isNegative()) {
      throw new IllegalArgumentException(
          "mqtt.tls-reload-interval must not be negative, was " + tlsReloadInterval);
    }
    tlsClientAuth = tlsClientAuth == null ? TlsConfig.ClientAuthMode.NONE : tlsClientAuth;
    if (tlsClientAuth != TlsConfig.ClientAuthMode.NONE && tlsTrust == null) {
      throw new IllegalArgumentException(
          "mqtt.tls-trust (CA certificates, PEM) is required when mqtt.tls-client-auth is "
              + tlsClientAuth.name().toLowerCase(java.util.Locale.ROOT));
    }
    tlsIdentity = tlsIdentity == null ? CertificateIdentity.tokensOnly() : tlsIdentity;
    if (tlsIdentity.policy().usesCertificate() && tlsClientAuth == TlsConfig.ClientAuthMode.NONE) {
      throw new IllegalArgumentException(
          "mqtt.tls-device-auth "
              + tlsIdentity.policy().name().toLowerCase(java.util.Locale.ROOT)
              + " needs client certificates: set mqtt.tls-client-auth to request or required");
    }
  }

  /** Without the TLS engine, reload and client-certificate settings (their defaults). */
  public MqttSecurityConfig(
      RateLimitConfig rateLimits,
      AuthGuard.Config authGuard,
      int tlsPort,
      Path tlsCert,
      Path tlsKey,
      Path tlsGeneratedDir) {
    this(
        rateLimits,
        authGuard,
        tlsPort,
        tlsCert,
        tlsKey,
        tlsGeneratedDir,
        TlsConfig.Engine.AUTO,
        Duration.ZERO,
        TlsConfig.ClientAuthMode.NONE,
        null,
        CertificateIdentity.tokensOnly());
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
    return new MqttSecurityConfig(
        limits,
        authGuard,
        tlsPort,
        tlsCert,
        tlsKey,
        tlsGeneratedDir,
        tlsEngine,
        tlsReloadInterval,
        tlsClientAuth,
        tlsTrust,
        tlsIdentity);
  }

  public MqttSecurityConfig withAuthGuard(AuthGuard.Config guard) {
    return new MqttSecurityConfig(
        rateLimits,
        guard,
        tlsPort,
        tlsCert,
        tlsKey,
        tlsGeneratedDir,
        tlsEngine,
        tlsReloadInterval,
        tlsClientAuth,
        tlsTrust,
        tlsIdentity);
  }

  /** A TLS listener on {@code port} with the given PEM files, or a generated certificate. */
  public MqttSecurityConfig withTls(int port, Path cert, Path key, Path generatedDir) {
    return new MqttSecurityConfig(
        rateLimits,
        authGuard,
        port,
        cert,
        key,
        generatedDir,
        tlsEngine,
        tlsReloadInterval,
        tlsClientAuth,
        tlsTrust,
        tlsIdentity);
  }

  /** The same with another TLS engine and certificate reload interval. */
  public MqttSecurityConfig withTlsEngine(TlsConfig.Engine engine, Duration reloadInterval) {
    return new MqttSecurityConfig(
        rateLimits,
        authGuard,
        tlsPort,
        tlsCert,
        tlsKey,
        tlsGeneratedDir,
        engine,
        reloadInterval,
        tlsClientAuth,
        tlsTrust,
        tlsIdentity);
  }

  /**
   * The same with client certificates ({@code mode}, CAs in {@code trust}) and {@code identity}.
   */
  public MqttSecurityConfig withMutualTls(
      TlsConfig.ClientAuthMode mode, Path trust, CertificateIdentity identity) {
    return new MqttSecurityConfig(
        rateLimits,
        authGuard,
        tlsPort,
        tlsCert,
        tlsKey,
        tlsGeneratedDir,
        tlsEngine,
        tlsReloadInterval,
        mode,
        trust,
        identity);
  }

  /** The TLS listener's config over the given certificate and key files. */
  public TlsConfig tlsConfig(String cert, String key) {
    return TlsConfig.server(cert, key)
        .withEngine(tlsEngine)
        .withReloadInterval(tlsReloadInterval)
        .withClientAuth(tlsClientAuth, tlsTrust == null ? null : tlsTrust.toString());
  }
}
