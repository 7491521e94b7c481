package io.busbar.security.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TLS listeners with generated self-signed certificates and real clients: a JDK client speaks TLS
 * 1.3 and 1.2, a TLS 1.1 client is refused by the server, mutual TLS requires a client certificate
 * and yields its device id.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class TlsOptionsTest {

  private static SelfSignedCertificate serverCert;
  private static SelfSignedCertificate clientCert;
  private static NetServer tlsServer;
  private static NetServer mtlsServer;
  private static final AtomicReference<String> peerDevice = new AtomicReference<>();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    // let the JDK client offer TLS 1.1 at all, so that refusing it is the server's doing
    Security.setProperty(
        "jdk.tls.disabledAlgorithms", "SSLv3, RC4, DES, MD5withRSA, DH keySize < 1024, NULL");
    serverCert = SelfSignedCertificate.create("localhost");
    clientCert = SelfSignedCertificate.create("press-1");
    TlsConfig tls = TlsConfig.server(serverCert.certificatePath(), serverCert.privateKeyPath());
    tlsServer =
        vertx
            .createNetServer(
                TlsOptions.apply(tls, new NetServerOptions().setHost("127.0.0.1").setPort(0)))
            .connectHandler(s -> s.handler(s::write))
            .listen()
            .await(10, TimeUnit.SECONDS);
    TlsConfig mutual =
        new TlsConfig(
            serverCert.certificatePath(),
            serverCert.privateKeyPath(),
            TlsConfig.ClientAuthMode.REQUIRED,
            clientCert.certificatePath(),
            Set.of("TLSv1.3"));
    mtlsServer =
        vertx
            .createNetServer(
                TlsOptions.apply(mutual, new NetServerOptions().setHost("127.0.0.1").setPort(0)))
            .connectHandler(
                s -> {
                  try {
                    X509Certificate cert = (X509Certificate) s.peerCertificates().get(0);
                    peerDevice.set(TlsOptions.deviceId(cert).orElse("?"));
                  } catch (Exception e) {
                    peerDevice.set("error " + e);
                  }
                  s.handler(s::write);
                })
            .listen()
            .await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    tlsServer.close().await();
    mtlsServer.close().await();
    serverCert.delete();
    clientCert.delete();
  }

  /** Verifies that a JDK client handshakes TLS 1.3 and TLS 1.2 and gets its bytes echoed. */
  @Test
  void tls13And12Handshake() throws Exception {
    for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
      try (SSLSocket socket = jdkClient(protocol, tlsServer.actualPort())) {
        socket.startHandshake();
        assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
        OutputStream out = socket.getOutputStream();
        out.write("ping".getBytes());
        out.flush();
        InputStream in = socket.getInputStream();
        assertThat(new String(in.readNBytes(4))).isEqualTo("ping");
      }
    }
  }

  /** Verifies that a TLS 1.1 client is refused (RFC 8996). */
  @Test
  void tls11IsRefused() throws Exception {
    try (SSLSocket socket = jdkClient("TLSv1.1", tlsServer.actualPort())) {
      assertThatThrownBy(socket::startHandshake).isInstanceOf(java.io.IOException.class);
    }
  }

  /**
   * Verifies that mutual TLS refuses a client without a certificate and names the device of one
   * with.
   */
  @Test
  void mutualTls(Vertx vertx) throws Exception {
    NetClient anonymous =
        vertx.createNetClient(
            new NetClientOptions()
                .setSsl(true)
                .setTrustAll(true)
                .setHostnameVerificationAlgorithm(""));
    NetClient device =
        vertx.createNetClient(
            new NetClientOptions()
                .setSsl(true)
                .setTrustAll(true)
                .setHostnameVerificationAlgorithm("")
                .setKeyCertOptions(clientCert.keyCertOptions()));
    try {
      boolean refused =
          anonymous
              .connect(mtlsServer.actualPort(), "127.0.0.1")
              .compose(s -> s.write("x").compose(v -> echo(s)))
              .map(b -> false)
              .otherwise(true)
              .await(10, TimeUnit.SECONDS);
      assertThat(refused).isTrue();

      NetSocket socket =
          device.connect(mtlsServer.actualPort(), "127.0.0.1").await(10, TimeUnit.SECONDS);
      socket.write("hi");
      assertThat(echo(socket).await(10, TimeUnit.SECONDS).toString()).isEqualTo("hi");
      assertThat(peerDevice.get()).isEqualTo("press-1");
    } finally {
      anonymous.close();
      device.close();
    }
  }

  /**
   * Verifies that netty-tcnative (linux x86_64/aarch64 natives on the class path) makes {@code
   * auto} and {@code openssl} resolve to OpenSSL, and that {@code jdk} stays the JDK's.
   */
  @Test
  void engineChoice() {
    assertThat(TlsOptions.engineName(TlsConfig.Engine.parse("k", "OpenSSL"))).isEqualTo("openssl");
    assertThat(TlsOptions.engineName(TlsConfig.Engine.AUTO)).isEqualTo("openssl");
    assertThat(TlsOptions.engineName(TlsConfig.Engine.parse("k", "jdk"))).isEqualTo("jdk");
    assertThat(TlsOptions.engine(TlsConfig.Engine.JDK))
        .isInstanceOf(io.vertx.core.net.JdkSSLEngineOptions.class);
    assertThat(TlsOptions.engine(TlsConfig.Engine.OPENSSL))
        .isInstanceOf(io.vertx.core.net.OpenSSLEngineOptions.class);
  }

  /**
   * Verifies that a key matching its certificate passes the pair check, and a certificate with
   * another certificate's key (a renewal half copied) is refused, naming the certificate.
   */
  @Test
  void mismatchedKeyIsRefused(Vertx vertx) throws Exception {
    TlsOptions.requireMatchingKeys(
        new io.vertx.core.net.PemKeyCertOptions()
            .setCertPath(serverCert.certificatePath())
            .setKeyPath(serverCert.privateKeyPath())
            .getKeyManagerFactory(vertx));
    javax.net.ssl.KeyManagerFactory mixed =
        new io.vertx.core.net.PemKeyCertOptions()
            .setCertPath(serverCert.certificatePath())
            .setKeyPath(clientCert.privateKeyPath())
            .getKeyManagerFactory(vertx);
    assertThatThrownBy(() -> TlsOptions.requireMatchingKeys(mixed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not match")
        .hasMessageContaining("CN=localhost");
  }

  /** Verifies that old protocols and client auth without a CA are refused in the config. */
  @Test
  void badConfigIsNamed() {
    assertThatThrownBy(() -> new TlsConfig("c", "k", null, null, Set.of("TLSv1.1")))
        .hasMessageContaining("TLSv1.1");
    assertThatThrownBy(() -> new TlsConfig("c", "k", TlsConfig.ClientAuthMode.REQUIRED, null, null))
        .hasMessageContaining("tls.trustPath");
    assertThat(TlsOptions.engineName()).isIn("openssl", "jdk");
    assertThatThrownBy(() -> TlsConfig.Engine.parse("mqtt.tls-engine", "boring"))
        .hasMessageContaining("mqtt.tls-engine");
    assertThatThrownBy(
            () -> TlsConfig.server("c", "k").withReloadInterval(java.time.Duration.ofSeconds(-1)))
        .hasMessageContaining("reload-interval");
    assertThat(
            TlsOptions.sslOptions(TlsConfig.server("c", "k")).getEnabledSecureTransportProtocols())
        .containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
  }

  private static io.vertx.core.Future<Buffer> echo(NetSocket socket) {
    io.vertx.core.Promise<Buffer> got = io.vertx.core.Promise.promise();
    socket.handler(got::tryComplete);
    socket.closeHandler(v -> got.tryFail("closed"));
    socket.exceptionHandler(got::tryFail);
    return got.future();
  }

  private static SSLSocket jdkClient(String protocol, int port) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setEnabledProtocols(new String[] {protocol});
    socket.setSoTimeout(5000);
    return socket;
  }

  /** The test trusts the self-signed certificate it just generated. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
