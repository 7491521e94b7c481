package io.busbar.security.tls;

import java.time.Duration;
import java.util.Locale;
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
 * @param engine which TLS implementation serves the listener ({@code tls.engine})
 * @param reloadInterval how often the certificate, key and trust files are checked for changes and
 *     reloaded into the live listener; {@link Duration#ZERO} never
 */
public record TlsConfig(
    String certPath,
    String keyPath,
    ClientAuthMode clientAuth,
    String trustPath,
    Set<String> protocols,
    Engine engine,
    Duration reloadInterval) {

  /** Default of {@code reloadInterval}: a stat and a hash of a few KiB, cheap. */
  public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

  /** The TLS implementation of a listener. */
  public enum Engine {
    /**
     * OpenSSL (BoringSSL through netty-tcnative) when it loads on this platform, else the JDK's.
     */
    AUTO,
    /** OpenSSL only: the listener does not start when netty-tcnative cannot be loaded. */
    OPENSSL,
    /** The JDK's own TLS (SunJSSE). */
    JDK;

    /**
     * {@code auto}, {@code openssl} or {@code jdk}, in any case.
     *
     * @throws IllegalArgumentException naming {@code key} for anything else
     */
    public static Engine parse(String key, String value) {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      return switch (v) {
        case "auto", "" -> AUTO;
        case "openssl" -> OPENSSL;
        case "jdk" -> JDK;
        default ->
            throw new IllegalArgumentException(
                key + ": expected auto, openssl or jdk, got '" + value + "'");
      };
    }
  }

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
    engine = engine == null ? Engine.AUTO : engine;
    reloadInterval = reloadInterval == null ? Duration.ZERO : reloadInterval;
    if (reloadInterval.isNegative()) {
      throw new IllegalArgumentException(
          "tls.reload-interval must not be negative, was " + reloadInterval);
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

  /** As the canonical constructor with the {@link Engine#AUTO} engine and no reloading. */
  public TlsConfig(
      String certPath,
      String keyPath,
      ClientAuthMode clientAuth,
      String trustPath,
      Set<String> protocols) {
    this(certPath, keyPath, clientAuth, trustPath, protocols, Engine.AUTO, Duration.ZERO);
  }

  /** Server TLS without client certificates, TLS 1.2 and 1.3. */
  public static TlsConfig server(String certPath, String keyPath) {
    return new TlsConfig(certPath, keyPath, ClientAuthMode.NONE, null, ALLOWED_PROTOCOLS);
  }

  /** The same with {@code value} as the engine. */
  public TlsConfig withEngine(Engine value) {
    return new TlsConfig(
        certPath, keyPath, clientAuth, trustPath, protocols, value, reloadInterval);
  }

  /** The same, checking the files every {@code value} ({@link Duration#ZERO}: never). */
  public TlsConfig withReloadInterval(Duration value) {
    return new TlsConfig(certPath, keyPath, clientAuth, trustPath, protocols, engine, value);
  }

  /** The same asking for ({@code mode}) client certificates signed by the CAs in {@code trust}. */
  public TlsConfig withClientAuth(ClientAuthMode mode, String trust) {
    return new TlsConfig(certPath, keyPath, mode, trust, protocols, engine, reloadInterval);
  }

  /** The same with other certificate and key files. */
  public TlsConfig withFiles(String cert, String key) {
    return new TlsConfig(cert, key, clientAuth, trustPath, protocols, engine, reloadInterval);
  }
}
