package io.busbar.security.tls;

import java.util.Objects;
import java.util.Set;

/**
 * TLS of one listener (MQTT 8883, HTTP, cluster event bus).
 *
 * @param certPath PEM certificate chain of this node
 * @param keyPath PEM private key (PKCS#8 or PKCS#1)
 * @param clientAuth whether clients must show a certificate (mutual TLS)
 * @param trustPath PEM CA certificates that sign client certificates; required unless {@code
 *     clientAuth} is {@link ClientAuthMode#NONE}
 * @param protocols enabled protocol versions, a subset of {@link #ALLOWED_PROTOCOLS}
 */
public record TlsConfig(
    String certPath,
    String keyPath,
    ClientAuthMode clientAuth,
    String trustPath,
    Set<String> protocols) {

  /** Only TLS 1.2 and 1.3: older versions have known weaknesses (RFC 8996). */
  public static final Set<String> ALLOWED_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** Whether a client certificate is asked for. */
  public enum ClientAuthMode {
    /** No client certificate (the token alone identifies). */
    NONE,
    /** Asked for, not required (certificate or token). */
    REQUEST,
    /** Required: the handshake fails without a certificate signed by {@code trustPath}. */
    REQUIRED
  }

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException naming the setting and the bad value
   */
  public TlsConfig {
    Objects.requireNonNull(certPath, "tls.certPath");
    Objects.requireNonNull(keyPath, "tls.keyPath");
    clientAuth = clientAuth == null ? ClientAuthMode.NONE : clientAuth;
    if (clientAuth != ClientAuthMode.NONE && trustPath == null) {
      throw new IllegalArgumentException(
          "tls.trustPath is required when tls.clientAuth is " + clientAuth);
    }
    protocols =
        protocols == null || protocols.isEmpty() ? ALLOWED_PROTOCOLS : Set.copyOf(protocols);
    for (String p : protocols) {
      if (!ALLOWED_PROTOCOLS.contains(p)) {
        throw new IllegalArgumentException(
            "tls.protocols: " + p + " is not allowed; use TLSv1.2 and/or TLSv1.3");
      }
    }
  }

  /** Server TLS without client certificates, TLS 1.2 and 1.3. */
  public static TlsConfig server(String certPath, String keyPath) {
    return new TlsConfig(certPath, keyPath, ClientAuthMode.NONE, null, ALLOWED_PROTOCOLS);
  }
}
