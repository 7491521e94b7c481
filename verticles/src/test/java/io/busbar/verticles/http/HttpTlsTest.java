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

  /** Verifies that a TLS port without a certificate is refused when the config is built. */
  @Test
  void tlsPortNeedsCertificate() {
    assertThatThrownBy(
            () -> new HttpConfig("127.0.0.1", 0, "n", false, "127.0.0.1", -1, 65_536, 8443, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http.tlsPort");
  }
}
