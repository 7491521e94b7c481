package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.tls.TlsConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP routes over TLS, reached by a real client trusting a certificate made for the test. */
@Timeout(30)
class HttpTlsTest {

  private static Vertx vertx;
  private static SelfSignedCertificate certificate;
  private static HttpVerticle verticle;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    certificate = SelfSignedCertificate.create("localhost");
    verticle =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-tls")
                .withTls(
                    0,
                    TlsConfig.server(certificate.certificatePath(), certificate.privateKeyPath())),
            new JsonObject(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    certificate.delete();
  }

  private static WebClient client(String... protocols) {
    WebClientOptions options =
        new WebClientOptions()
            .setSsl(true)
            .setTrustOptions(new PemTrustOptions().addCertPath(certificate.certificatePath()))
            .setVerifyHost(false);
    if (protocols.length > 0) {
      options.setEnabledSecureTransportProtocols(Set.of(protocols));
    }
    return WebClient.create(vertx, options);
  }

  /** Verifies that {@code /health} answers over TLS on its own port beside the plain one. */
  @Test
  void healthOverTls() throws Exception {
    assertThat(verticle.actualTlsPort()).isPositive().isNotEqualTo(verticle.actualPort());
    WebClient https = client();
    try {
      var response =
          https
              .get(verticle.actualTlsPort(), "127.0.0.1", "/health")
              .send()
              .await(5, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject().getString("node")).isEqualTo("node-tls");
    } finally {
      https.close();
    }
  }

  /** Verifies that a TLS 1.1 client gets no handshake (TLS 1.2 and 1.3 only, RFC 8996). */
  @Test
  void oldProtocolIsRefused() {
    WebClient old = client("TLSv1.1");
    try {
      assertThatThrownBy(
              () ->
                  old.get(verticle.actualTlsPort(), "127.0.0.1", "/health")
                      .send()
                      .await(5, TimeUnit.SECONDS))
          .isNotNull();
    } finally {
      old.close();
    }
  }

  /** Verifies that a plain HTTP request to the TLS port gets no answer from the routes. */
  @Test
  void plainRequestToTlsPortFails() throws Exception {
    WebClient plain = WebClient.create(vertx);
    try {
      Object outcome =
          plain
              .get(verticle.actualTlsPort(), "127.0.0.1", "/health")
              .send()
              .map(r -> (Object) r.statusCode())
              .otherwise(e -> e)
              .await(5, TimeUnit.SECONDS);
      // netty answers a plain request on a TLS port by closing the connection
      assertThat(outcome).isNotEqualTo(200);
    } finally {
      plain.close();
    }
  }

  /**
   * Verifies that the HTTPS listener reports its engine in /metrics and serves a replaced
   * certificate without a restart, keeping the old one when the new files are broken.
   */
  @Test
  void engineInMetricsAndCertificateReload() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("busbar-https-reload");
    java.nio.file.Path cert = dir.resolve("cert.pem");
    java.nio.file.Path key = dir.resolve("key.pem");
    SelfSignedCertificate first = SelfSignedCertificate.create("localhost");
    java.nio.file.Files.copy(java.nio.file.Path.of(first.certificatePath()), cert);
    java.nio.file.Files.copy(java.nio.file.Path.of(first.privateKeyPath()), key);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HttpVerticle reloading =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-reload")
                .withTls(
                    0,
                    TlsConfig.server(cert.toString(), key.toString())
                        .withEngine(TlsConfig.Engine.OPENSSL)
                        .withReloadInterval(java.time.Duration.ofMillis(200))),
            new JsonObject(),
            registry);
    String id = vertx.deployVerticle(reloading).await(10, TimeUnit.SECONDS);
    try {
      var metrics =
          WebClient.create(vertx)
              .get(reloading.actualPort(), "127.0.0.1", "/metrics")
              .send()
              .await(5, TimeUnit.SECONDS)
              .bodyAsString();
      assertThat(metrics)
          .contains("busbar_tls_engine_info{engine=\"openssl\",listener=\"http\"} 1");
      java.math.BigInteger before = served(reloading).getSerialNumber();

      SelfSignedCertificate second = SelfSignedCertificate.create("localhost");
      java.nio.file.Files.copy(
          java.nio.file.Path.of(second.privateKeyPath()),
          key,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      java.nio.file.Files.copy(
          java.nio.file.Path.of(second.certificatePath()),
          cert,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      awaitCount(registry, "reloaded");
      java.math.BigInteger after = served(reloading).getSerialNumber();
      assertThat(after).isNotEqualTo(before);

      java.nio.file.Files.writeString(key, "not a key");
      awaitCount(registry, "failed");
      assertThat(served(reloading).getSerialNumber()).isEqualTo(after);
      first.delete();
      second.delete();
    } finally {
      vertx.undeploy(id).await(10, TimeUnit.SECONDS);
    }
  }

  private static void awaitCount(PrometheusMeterRegistry registry, String outcome)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      var counter =
          registry.find("busbar.tls.reload").tags("listener", "http", "outcome", outcome).counter();
      if (counter != null && counter.count() >= 1) {
        return;
      }
      assertThat(System.nanoTime()).as("reload " + outcome + " within 10 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** The certificate a JDK client is served now (any certificate accepted: we only look). */
  private static java.security.cert.X509Certificate served(HttpVerticle v) throws Exception {
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(
        null,
        new javax.net.ssl.TrustManager[] {
          new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(
                java.security.cert.X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(
                java.security.cert.X509Certificate[] chain, String authType) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          }
        },
        null);
    try (javax.net.ssl.SSLSocket socket =
        (javax.net.ssl.SSLSocket)
            context.getSocketFactory().createSocket("127.0.0.1", v.actualTlsPort())) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return (java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /** Verifies that a TLS port without a certificate is refused when the config is built. */
  @Test
  void tlsPortNeedsCertificate() {
    assertThatThrownBy(
            () -> new HttpConfig("127.0.0.1", 0, "n", false, "127.0.0.1", -1, 65_536, 8443, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http.tlsPort");
  }
}
