package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.acl.BackendAccess;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.verticles.storage.StorageConfig;
import io.busbar.verticles.storage.StorageVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP ingest against a store whose queue holds four readings and is written every 2 s (as the
 * hub's StorageBackPressureTest makes it refuse): a full store is a 503 with Retry-After, never a
 * faked 202, and the same readings are taken once it has room.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpIngestBackPressureTest {

  private static final String TENANT = "acme";

  private static Vertx vertx;
  private static PrometheusMeterRegistry registry;
  private static DevelopmentIssuer dev;
  private static HttpVerticle verticle;
  private static final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    Path dir = Files.createTempDirectory("busbar-http-ingest-bp");
    dev = DevelopmentIssuer.loadOrCreate(vertx, dir);
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx
        .deployVerticle(
            new StorageVerticle(new StorageConfig(null, 4, 1_000, Duration.ofSeconds(2)), registry))
        .await(20, TimeUnit.SECONDS);
    verticle =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-ingest-bp", true),
            dev.jwks(),
            registry,
            dev.authenticator(),
            new BackendAccess(BackendAccess.MfaPolicy.none()),
            new IngestConfig(DecoderTable.defaults(), IngestConfig.DEFAULT_MAX_BODY_SIZE));
    vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * Verifies that while the store's queue is full a POST is answered 503 problem+json with
   * Retry-After and counted as store_full, that a retry succeeds once the store has written its
   * queue, and that more readings than the whole queue holds are 413.
   */
  @Test
  void fullStoreIsServiceUnavailableUntilItHasRoom() throws Exception {
    String token = dev.mint(TokenRequest.device("bp-1", TENANT, Duration.ofHours(1)));
    byte[] three = body("{\"metrics\":{\"a\":1,\"b\":2,\"c\":3}}");
    HttpResponse<String> first = post(token, three);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    int accepted = 1;

    // three of four places taken until the next write: three more do not fit (unless the store's
    // 2 s write tick fell in between and emptied the queue: then they are taken, post again)
    HttpResponse<String> full = post(token, three);
    while (full.statusCode() == 202 && accepted < 5) {
      accepted++;
      full = post(token, three);
    }
    assertThat(full.statusCode()).as(full.body()).isEqualTo(503);
    assertThat(full.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(full.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(new JsonObject(full.body()).getString("type"))
        .isEqualTo("urn:busbar:problem:store-full");
    assertThat(outcome("store_full")).isEqualTo(1);

    // the device retries as told; the store writes its queue within 2 s and takes them
    HttpResponse<String> retried = full;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (retried.statusCode() == 503 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      retried = post(token, three);
    }
    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);

    HttpResponse<String> tooMany =
        post(token, body("{\"metrics\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}}"));
    assertThat(tooMany.statusCode()).as(tooMany.body()).isEqualTo(413);
    assertThat(outcome("too_large")).isEqualTo(1);
    assertThat(registry.get("busbar.http.ingest.readings").counter().count())
        .isEqualTo(3 * (accepted + 1));
  }

  private static byte[] body(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static HttpResponse<String> post(String token, byte[] body) throws Exception {
    return HttpIngestTest.post(
        client, verticle.actualPort(), "bp-1", token, "application/json", body);
  }

  private static double outcome(String outcome) {
    return registry.get("busbar.http.ingest.requests").tag("outcome", outcome).counter().count();
  }
}
