package io.busbar.security.tls;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;

/**
 * Turns a {@link TlsConfig} into Vert.x server options: PEM key and certificate, TLS 1.2/1.3 only,
 * optional client certificates, and the OpenSSL engine (netty-tcnative) when it is on the class
 * path, else the JDK's. {@code HttpServerOptions} and the MQTT server's options extend {@link
 * NetServerOptions}, so one method serves every listener; {@link #sslOptions} feeds {@code
 * server.updateSSLOptions(...)} to reload renewed certificates without a restart.
 *
 * <p>Pure; the files are read by Vert.x when the server binds or reloads.
 */
public final class TlsOptions {

  private TlsOptions() {}

  /**
   * {@code openssl} when netty-tcnative is usable, else {@code jdk}: for the start-up log and a
   * gauge.
   */
  public static String engineName() {
    return engineName(TlsConfig.Engine.AUTO);
  }

  /**
   * The engine {@code wanted} resolves to on this platform: {@code openssl} or {@code jdk}.
   *
   * @throws IllegalStateException when {@code wanted} is {@code OPENSSL} and netty-tcnative cannot
   *     be loaded, with the reason it gave
   */
  public static String engineName(TlsConfig.Engine wanted) {
    return switch (wanted) {
      case JDK -> "jdk";
      case AUTO -> OpenSSLEngineOptions.isAvailable() ? "openssl" : "jdk";
      case OPENSSL -> {
        if (!OpenSSLEngineOptions.isAvailable()) {
          Throwable cause = io.netty.handler.ssl.OpenSsl.unavailabilityCause();
          throw new IllegalStateException(
              "tls.engine is openssl, but the OpenSSL engine (netty-tcnative) cannot be loaded"
                  + (cause == null ? "" : ": " + cause),
              cause);
        }
        yield "openssl";
      }
    };
  }

  /** The engine {@link #engineName()} names. */
  public static SSLEngineOptions engine() {
    return engine(TlsConfig.Engine.AUTO);
  }

  /**
   * The engine options {@code wanted} resolves to.
   *
   * @throws IllegalStateException as {@link #engineName(TlsConfig.Engine)}
   */
  public static SSLEngineOptions engine(TlsConfig.Engine wanted) {
    return "openssl".equals(engineName(wanted))
        ? new OpenSSLEngineOptions()
        : new JdkSSLEngineOptions();
  }

  /** Switches TLS on in {@code options} as {@code config} says, and returns them. */
  public static <T extends NetServerOptions> T apply(TlsConfig config, T options) {
    options
        .setSsl(true)
        .setSslEngineOptions(engine(config.engine()))
        .setKeyCertOptions(keyCert(config))
        .setEnabledSecureTransportProtocols(config.protocols())
        .setClientAuth(clientAuth(config.clientAuth()));
    if (config.trustPath() != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(config.trustPath()));
    }
    return options;
  }

  /**
   * Switches TLS on for the clustered event bus: each node is server and client of the others, so
   * it presents {@code config}'s certificate both ways, trusts only peers signed by its {@code
   * trustPath}, and (unless the config says otherwise) requires their certificates, so a member
   * without a trusted certificate can neither deliver to nor receive from this node.
   */
  public static EventBusOptions applyToEventBus(TlsConfig config, EventBusOptions options) {
    options
        .setSsl(true)
        .setSslEngineOptions(engine(config.engine()))
        .setKeyCertOptions(keyCert(config))
        .setClientAuth(clientAuth(config.clientAuth()));
    options.setEnabledSecureTransportProtocols(config.protocols());
    if (config.trustPath() != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(config.trustPath()));
    }
    return options;
  }

  /** The same settings as {@link #apply}, for {@code server.updateSSLOptions} (hot reload). */
  public static ServerSSLOptions sslOptions(TlsConfig config) {
    ServerSSLOptions ssl =
        new ServerSSLOptions()
            .setKeyCertOptions(keyCert(config))
            .setEnabledSecureTransportProtocols(config.protocols())
            .setClientAuth(clientAuth(config.clientAuth()));
    if (config.trustPath() != null) {
      ssl.setTrustOptions(new PemTrustOptions().addCertPath(config.trustPath()));
    }
    return ssl;
  }

  /**
   * The device id a client certificate names: the subject's common name ({@code CN}), for listeners
   * where a certificate identifies the device (mutual TLS).
   */
  public static Optional<String> deviceId(X509Certificate certificate) {
    try {
      LdapName name = new LdapName(certificate.getSubjectX500Principal().getName());
      for (Rdn rdn : name.getRdns()) {
        if ("CN".equalsIgnoreCase(rdn.getType())) {
          return Optional.of(String.valueOf(rdn.getValue()));
        }
      }
      return Optional.empty();
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
  }

  /** The key types a server key manager is asked for aliases of (JSSE standard names). */
  private static final List<String> KEY_TYPES = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS");

  /**
   * Checks that each private key of {@code keys} belongs to the certificate served with it, by
   * signing a few bytes with the key and verifying them with the certificate's public key. A TLS
   * engine takes a mismatched pair without a word and then fails every handshake; a listener
   * (re)loading its files calls this to refuse the pair instead. Keys of other types than RSA, EC
   * and EdDSA are not checked.
   *
   * @throws IllegalArgumentException naming the certificate whose key does not match
   */
  public static void requireMatchingKeys(KeyManagerFactory keys) {
    for (KeyManager manager : keys.getKeyManagers()) {
      if (manager instanceof X509KeyManager x509) {
        for (String type : KEY_TYPES) {
          String[] aliases = x509.getServerAliases(type, null);
          for (String alias : aliases == null ? new String[0] : aliases) {
            X509Certificate[] chain = x509.getCertificateChain(alias);
            if (chain != null && chain.length > 0) {
              requireMatchingKey(x509.getPrivateKey(alias), chain[0]);
            }
          }
        }
      }
    }
  }

  private static void requireMatchingKey(PrivateKey key, X509Certificate certificate) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
          default -> null;
        };
    if (algorithm == null) {
      return;
    }
    byte[] probe = "busbar key check".getBytes(StandardCharsets.US_ASCII);
    boolean matches;
    try {
      Signature signature = Signature.getInstance(algorithm);
      signature.initSign(key);
      signature.update(probe);
      byte[] signed = signature.sign();
      signature.initVerify(certificate.getPublicKey());
      signature.update(probe);
      matches = signature.verify(signed);
    } catch (GeneralSecurityException e) {
      matches = false; // e.g. an RSA key with an EC certificate
    }
    if (!matches) {
      throw new IllegalArgumentException(
          "the private key does not match the certificate "
              + certificate.getSubjectX500Principal().getName());
    }
  }

  private static PemKeyCertOptions keyCert(TlsConfig config) {
    return new PemKeyCertOptions().setCertPath(config.certPath()).setKeyPath(config.keyPath());
  }

  private static ClientAuth clientAuth(TlsConfig.ClientAuthMode mode) {
    return switch (mode) {
      case NONE -> ClientAuth.NONE;
      case REQUEST -> ClientAuth.REQUEST;
      case REQUIRED -> ClientAuth.REQUIRED;
    };
  }
}
