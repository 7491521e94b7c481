package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.acl.BackendAccess;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.verticles.storage.StorageConfig;
import io.busbar.verticles.storage.StorageVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Devices writing readings over HTTP ({@code POST /api/v1/devices/{id}/telemetry}) to a real HTTP
 * verticle and embedded store, with the JDK HttpClient and real development-issuer tokens: JSON and
 * CBOR taken and queryable, the events on the bus as MQTT telemetry, and each refusal with its own
 * status and a problem+json body.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpIngestTest {

  private static final String TENANT = "acme";

  /** Small, so 413 needs no large body. */
  private static final int MAX_BODY = 1024;

  private static Vertx vertx;
  private static PrometheusMeterRegistry registry;
  private static DevelopmentIssuer dev;
  private static HttpVerticle verticle;
  private static final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final List<EventBatch> events = new CopyOnWriteArrayList<>();
  private static final List<String> storedBy = new CopyOnWriteArrayList<>();
  private static final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    Path dir = Files.createTempDirectory("busbar-http-ingest");
    dev = DevelopmentIssuer.loadOrCreate(vertx, dir);
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx
        .deployVerticle(
            new StorageVerticle(
                new StorageConfig(null, 10_000, 1_000, Duration.ofMillis(50)), registry))
        .await(20, TimeUnit.SECONDS);
    verticle =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-ingest", true),
            dev.jwks(),
            registry,
            dev.authenticator(),
            new BackendAccess(BackendAccess.MfaPolicy.none()),
            new IngestConfig(DecoderTable.defaults(), MAX_BODY));
    vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
    vertx
        .eventBus()
        .<EventBatch>consumer(
            Addresses.EVENTS,
            m -> {
              events.add(m.body());
              storedBy.add(String.valueOf(m.headers().get(Addresses.STORED_BY_HEADER)));
            })
        .completion()
        .await(5, TimeUnit.SECONDS);
    vertx
        .eventBus()
        .<DeadLetter>consumer(Addresses.DEAD_LETTERS, m -> deadLetters.add(m.body()))
        .completion()
        .await(5, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * Verifies that a device's JSON and CBOR readings are answered 202 once stored, are published on
   * busbar.events marked as stored (as MQTT telemetry is), and are then returned by GET
   * /api/v1/devices/{id}/telemetry.
   */
  @Test
  void jsonAndCborTakenThenQueryable() throws Exception {
    String token = deviceToken("press-1");
    long now = System.currentTimeMillis();
    byte[] json =
        ("{\"ts\":" + now + ",\"metrics\":{\"temp\":21.5,\"rpm\":1200}}")
            .getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> jsonAnswer = post("press-1", token, "application/json", json);
    assertThat(jsonAnswer.statusCode()).as(jsonAnswer.body()).isEqualTo(202);
    assertThat(new JsonObject(jsonAnswer.body()).getInteger("readings")).isEqualTo(2);

    byte[] cbor =
        new ObjectMapper(new CBORFactory())
            .writeValueAsBytes(Map.of("ts", now + 1, "metrics", Map.of("pressure", 3.25)));
    HttpResponse<String> cborAnswer =
        post("press-1", token, "application/cbor; charset=binary", cbor);
    assertThat(cborAnswer.statusCode()).as(cborAnswer.body()).isEqualTo(202);

    awaitCondition(
        () ->
            events.stream()
                    .flatMap(b -> b.events().stream())
                    .filter(e -> e.deviceId().equals("press-1") && e.tenant().equals(TENANT))
                    .count()
                == 3);
    assertThat(storedBy).doesNotContain("null"); // the store took them before they were published

    String app = dev.mint(TokenRequest.application("mes", TENANT, Duration.ofHours(1)));
    JsonArray rows = new JsonArray();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline && rows.size() < 3) {
      HttpResponse<String> read = get("/api/v1/devices/press-1/telemetry?from=0", app);
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      rows = new JsonArray(read.body());
      Thread.sleep(50);
    }
    assertThat(rows.stream().map(r -> ((JsonObject) r).getString("metric")))
        .containsExactlyInAnyOrder("temp", "rpm", "pressure");
    assertThat(outcome("accepted")).isGreaterThanOrEqualTo(2);
    assertThat(registry.get("busbar.http.ingest.readings").counter().count())
        .isGreaterThanOrEqualTo(3);
  }

  /**
   * Verifies that a backend app may write for any device of its tenant, a viewer may not (403), and
   * a request without a token is 401.
   */
  @Test
  void appsWriteForDevicesViewersDoNot() throws Exception {
    byte[] body = "{\"metrics\":{\"a\":1}}".getBytes(StandardCharsets.UTF_8);
    String app = dev.mint(TokenRequest.application("mes", TENANT, Duration.ofHours(1)));
    assertThat(post("line-7", app, "application/json", body).statusCode()).isEqualTo(202);

    String viewer =
        dev.mint(new TokenRequest("alice", TENANT, Set.of("viewer"), Duration.ofHours(1)));
    HttpResponse<String> refused = post("line-7", viewer, "application/json", body);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);

    HttpResponse<String> anonymous = post("line-7", null, "application/json", body);
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  /**
   * Verifies that a device writing for another device's id is refused with a 403 problem+json and
   * nothing of it is published.
   */
  @Test
  void anotherDevicesIdIsForbidden() throws Exception {
    byte[] body = "{\"metrics\":{\"spoofed\":1}}".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> answer = post("press-2", deviceToken("press-3"), "application/json", body);
    assertThat(answer.statusCode()).isEqualTo(403);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(new JsonObject(answer.body()).getString("detail"))
        .isEqualTo("a device may write only its own readings");
    Thread.sleep(100);
    assertThat(events.stream().flatMap(b -> b.events().stream()))
        .noneMatch(e -> e.metric().equals("spoofed"));
  }

  /**
   * Verifies that an undecodable body is a 400 problem+json naming the reason, and goes to the dead
   * letters with the device, its tenant and the original bytes, as on MQTT.
   */
  @Test
  void badJsonIsBadRequestAndDeadLetter() throws Exception {
    byte[] body = "{\"metrics\":".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> answer = post("press-4", deviceToken("press-4"), "application/json", body);
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    awaitCondition(() -> deadLetters.stream().anyMatch(d -> d.deviceId().equals("press-4")));
    DeadLetter letter =
        deadLetters.stream().filter(d -> d.deviceId().equals("press-4")).findFirst().orElseThrow();
    assertThat(letter.tenant()).isEqualTo(TENANT);
    assertThat(letter.topic()).isEqualTo("devices/press-4/telemetry");
    assertThat(letter.payload()).isEqualTo(body);
    assertThat(new JsonObject(answer.body()).getString("detail")).isEqualTo(letter.reason());
    assertThat(outcome("undecodable")).isGreaterThanOrEqualTo(1);
  }

  /**
   * Verifies that a media type no decoder reads, or none, is 415 with Accept-Post naming those
   * read.
   */
  @Test
  void unknownMediaTypeIsUnsupported() throws Exception {
    String token = deviceToken("press-5");
    byte[] body = "temp=21".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> text = post("press-5", token, "text/plain", body);
    assertThat(text.statusCode()).isEqualTo(415);
    assertThat(text.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(text.headers().firstValue("Accept-Post"))
        .hasValue("application/cbor, application/json");
    assertThat(post("press-5", token, null, body).statusCode()).isEqualTo(415);
    assertThat(outcome("unsupported_type")).isGreaterThanOrEqualTo(2);
  }

  /**
   * Verifies that a device id that cannot be a topic level (an MQTT wildcard, an encoded slash) is
   * a 400 problem+json, even for an app allowed to write for any device.
   */
  @Test
  void wildcardDeviceIdIsBadRequest() throws Exception {
    String app = dev.mint(TokenRequest.application("mes", TENANT, Duration.ofHours(1)));
    byte[] body = "{\"metrics\":{\"a\":1}}".getBytes(StandardCharsets.UTF_8);
    for (String id : List.of("%23", "%2B", "a%2Fb")) {
      HttpResponse<String> answer = post(id, app, "application/json", body);
      assertThat(answer.statusCode()).as(id + ": " + answer.body()).isEqualTo(400);
      assertThat(answer.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    }
  }

  /** Verifies that a body over the configured limit is 413 problem+json, counted. */
  @Test
  void oversizedBodyIsTooLarge() throws Exception {
    StringBuilder json = new StringBuilder("{\"metrics\":{");
    for (int i = 0; json.length() < 2 * MAX_BODY; i++) {
      json.append(i == 0 ? "" : ",").append("\"m").append(i).append("\":").append(i);
    }
    json.append("}}");
    HttpResponse<String> answer =
        post(
            "press-6",
            deviceToken("press-6"),
            "application/json",
            json.toString().getBytes(StandardCharsets.UTF_8));
    assertThat(answer.statusCode()).isEqualTo(413);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(outcome("too_large")).isGreaterThanOrEqualTo(1);
  }

  private static String deviceToken(String device) {
    return dev.mint(TokenRequest.device(device, TENANT, Duration.ofHours(1)));
  }

  private static double outcome(String outcome) {
    return registry.get("busbar.http.ingest.requests").tag("outcome", outcome).counter().count();
  }

  static HttpResponse<String> post(
      HttpClient client, int port, String device, String token, String type, byte[] body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/devices/" + device + "/telemetry"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (type != null) {
      request.header("Content-Type", type);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String device, String token, String type, byte[] body)
      throws Exception {
    return post(client, verticle.actualPort(), device, token, type, body);
  }

  private static HttpResponse<String> get(String path, String token) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + verticle.actualPort() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static void awaitCondition(java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as("condition within 10 s").isTrue();
  }
}
