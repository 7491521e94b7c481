package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.security.TokenAuthenticator;
import io.busbar.security.acl.BackendAccess;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.security.tls.CertificateIdentity;
import io.busbar.security.tls.DeviceAuthPolicy;
import io.busbar.security.tls.TlsConfig;
import io.busbar.verticles.mqtt.TestPki;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Client certificates as device identity on the HTTPS listener ({@code http.tls-device-auth}),
 * reached by the JDK HttpClient presenting certificates of a test CA: the {@code certificate} and
 * {@code either} policies, and a certificate past its notAfter on a kept-alive connection.
 */
@Timeout(60)
class HttpMutualTlsTest {

  private static final String TENANT = "acme";

  private static Vertx vertx;
  private static TestPki pki;
  private static DevelopmentIssuer dev;
  private static HttpVerticle certificateOnly;
  private static HttpVerticle either;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    io.busbar.codecs.bus.BusCodecs.register(vertx.eventBus());
    pki = new TestPki("busbar-http-test-ca");
    Path dir = Files.createTempDirectory("busbar-https-mtls");
    pki.writeCa(dir.resolve("ca.pem"));
    pki.server().write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    dev = DevelopmentIssuer.loadOrCreate(vertx, dir);
    TokenAuthenticator authenticator = dev.authenticator();
    TlsConfig tls =
        TlsConfig.server(
                dir.resolve("server.pem").toString(), dir.resolve("server-key.pem").toString())
            .withClientAuth(TlsConfig.ClientAuthMode.REQUEST, dir.resolve("ca.pem").toString());
    certificateOnly = deploy(tls, DeviceAuthPolicy.CERTIFICATE, authenticator);
    either = deploy(tls, DeviceAuthPolicy.EITHER, authenticator);
    vertx
        .eventBus()
        .<JsonArray>consumer(Addresses.DEVICES_QUERY, msg -> msg.reply(new JsonArray().add("d1")))
        .completion()
        .await(5, TimeUnit.SECONDS);
  }

  private static HttpVerticle deploy(
      TlsConfig tls, DeviceAuthPolicy policy, TokenAuthenticator authenticator) throws Exception {
    HttpVerticle verticle =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-mtls", true)
                .withTls(0, tls)
                .withTlsIdentity(
                    new CertificateIdentity(policy, CertificateIdentity.Field.CN, TENANT)),
            new JsonObject(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            authenticator,
            new BackendAccess(BackendAccess.MfaPolicy.none()));
    vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
    return verticle;
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /**
   * Verifies that under {@code certificate} a client certificate is taken as the device (the
   * request passes authentication and meets the role check: 403 insufficient_scope, as a device
   * holds no backend role), while a request without one is refused with a 401 problem+json even
   * with a valid token.
   */
  @Test
  void certificatePolicyNeedsTheCertificate() throws Exception {
    HttpClient device = client(pki.client("press-1", null));
    HttpResponse<String> withCert = get(device, certificateOnly, null);
    assertThat(withCert.statusCode()).isEqualTo(403);
    assertThat(withCert.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).contains("insufficient_scope"));

    HttpResponse<String> noCert = get(client(null), certificateOnly, viewerToken());
    assertThat(noCert.statusCode()).isEqualTo(401);
    assertThat(noCert.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(new JsonObject(noCert.body()).getString("detail"))
        .isEqualTo("client certificate required");
  }

  /**
   * Verifies that under {@code either} a token without certificate is accepted, a certificate
   * without token is taken as the device, and a token whose sub is not the device the certificate
   * names is refused with 401.
   */
  @Test
  void eitherTakesTokenOrCertificateButNotAContradiction() throws Exception {
    HttpResponse<String> tokenOnly = get(client(null), either, viewerToken());
    assertThat(tokenOnly.statusCode()).isEqualTo(200);
    assertThat(tokenOnly.body()).contains("d1");

    HttpClient press = client(pki.client("press-2", null));
    assertThat(get(press, either, null).statusCode()).isEqualTo(403);

    String otherDevice =
        dev.mint(new TokenRequest("press-3", TENANT, Set.of(), Duration.ofHours(1)));
    HttpResponse<String> contradiction = get(press, either, otherDevice);
    assertThat(contradiction.statusCode()).isEqualTo(401);
    assertThat(contradiction.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
  }

  /**
   * Verifies that a certificate past its notAfter is refused (401 "client certificate expired") on
   * a connection that was opened while it was valid.
   */
  @Test
  void expiredCertificateRefusedOnKeptAliveConnection() throws Exception {
    HttpClient device = client(pki.client("press-4", null, Duration.ofSeconds(3)));
    assertThat(get(device, certificateOnly, null).statusCode()).isEqualTo(403);
    Thread.sleep(3_500);
    HttpResponse<String> late = get(device, certificateOnly, null);
    assertThat(late.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(late.body()).getString("detail"))
        .isEqualTo("client certificate expired");
  }

  /**
   * Verifies that a device known only by its client certificate (no role) may POST its own readings
   * (202; no store on this node, so they are published as the MQTT path does) but not another
   * device's (403 problem+json).
   */
  @Test
  void certificateDeviceWritesItsOwnReadings() throws Exception {
    HttpClient device = client(pki.client("press-5", null));
    assertThat(postReadings(device, "press-5").statusCode()).isEqualTo(202);
    HttpResponse<String> other = postReadings(device, "press-6");
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(other.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
  }

  private static HttpResponse<String> postReadings(HttpClient client, String device)
      throws Exception {
    return client.send(
        HttpRequest.newBuilder(
                URI.create(
                    "https://localhost:"
                        + certificateOnly.actualTlsPort()
                        + "/api/v1/devices/"
                        + device
                        + "/telemetry"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"metrics\":{\"temp\":20}}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String viewerToken() {
    return dev.mint(new TokenRequest("alice", TENANT, Set.of("viewer"), Duration.ofHours(1)));
  }

  private static HttpResponse<String> get(HttpClient client, HttpVerticle verticle, String token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("https://localhost:" + verticle.actualTlsPort() + "/api/v1/devices"))
            .timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A JDK client trusting the test CA, presenting {@code certificate} when not null. */
  private static HttpClient client(TestPki.Issued certificate) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        certificate == null ? null : certificate.keyManagers().getKeyManagers(),
        pki.trustManagers().getTrustManagers(),
        null);
    return HttpClient.newBuilder()
        .sslContext(context)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }
}
