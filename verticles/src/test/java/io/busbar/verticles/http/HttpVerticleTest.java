package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP verticle over real HTTP and WebSocket clients. The analytics and storage sides are
 * played by small consumers on their {@link Addresses}, answering as the contract says.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class HttpVerticleTest {

  private static final String HOST = "127.0.0.1";
  private static final JsonObject JWKS =
      new JsonObject()
          .put(
              "keys",
              new JsonArray()
                  .add(new JsonObject().put("kty", "EC").put("kid", "dev-1").put("crv", "P-256")));

  private static Vertx vertx;
  private static PrometheusMeterRegistry registry;
  private static HttpVerticle verticle;
  private static WebClient http;
  private static WebSocketClient ws;
  private static int port;

  private final List<MessageConsumer<?>> backends = new ArrayList<>();
  private final List<WebSocket> sockets = new ArrayList<>();

  @BeforeAll
  static void deploy(Vertx shared) throws Exception {
    vertx = shared;
    BusCodecs.register(vertx.eventBus());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.counter("busbar.test.hits").increment(3);
    verticle = new HttpVerticle(new HttpConfig(HOST, 0, "node-test"), JWKS, registry);
    vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
    port = verticle.actualPort();
    http = WebClient.create(vertx);
    ws = vertx.createWebSocketClient();
  }

  @AfterAll
  static void close() throws Exception {
    http.close();
    ws.close().await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void removeBackendsAndSockets() throws Exception {
    for (MessageConsumer<?> c : backends) {
      c.unregister().await(5, TimeUnit.SECONDS);
    }
    for (WebSocket s : sockets) {
      s.close().await(5, TimeUnit.SECONDS);
    }
  }

  /** Verifies that /health says UP with the node id and an uptime. */
  @Test
  void healthSaysUp() throws Exception {
    HttpResponse<Buffer> res = get("/health");

    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("UP");
    assertThat(body.getString("node")).isEqualTo("node-test");
    assertThat(body.getLong("uptimeMs")).isNotNegative();
  }

  /** Verifies that /ready answers 200 once deployed. */
  @Test
  void readyOnceDeployed() throws Exception {
    HttpResponse<Buffer> res = get("/ready");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getString("status")).isEqualTo("READY");
  }

  /** Verifies that /metrics is the Prometheus text format with the registry's meters. */
  @Test
  void metricsScrapeTheRegistry() throws Exception {
    HttpResponse<Buffer> res = get("/metrics");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(res.bodyAsString())
        .contains("busbar_test_hits_total 3.0")
        .contains("busbar_ws_clients")
        .contains("busbar_ws_dropped_readings_total");
  }

  /** Verifies that the JWKS given to the constructor is served at the well-known path. */
  @Test
  void jwksServed() throws Exception {
    HttpResponse<Buffer> res = get("/.well-known/jwks.json");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(res.bodyAsJsonObject()).isEqualTo(JWKS);
  }

  /** Verifies that /api/v1/devices asks the devices query with {} and returns its array. */
  @Test
  void devicesPassThrough() throws Exception {
    JsonArray devices =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("device", "press-1")
                    .put("tenant", "acme")
                    .put("firstSeen", 1L)
                    .put("lastSeen", 2L)
                    .put("metrics", new JsonArray().add("temperature")));
    AtomicReference<Object> request = answer(Addresses.DEVICES_QUERY, devices);

    HttpResponse<Buffer> res = get("/api/v1/devices");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonArray()).isEqualTo(devices);
    assertThat(request.get()).isEqualTo(new JsonObject());
  }

  /** Verifies that telemetry parameters reach storage as epoch ms, ISO instants converted. */
  @Test
  void telemetryPassThrough() throws Exception {
    JsonArray rows =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("metric", "temperature")
                    .put("ts", 1_717_000_000_000L)
                    .put("value", 21.5)
                    .put("quality", "GOOD")
                    .put("unit", "°C"));
    AtomicReference<Object> request = answer(Addresses.STORAGE_TELEMETRY_QUERY, rows);

    HttpResponse<Buffer> res =
        get(
            "/api/v1/devices/press-1/telemetry?metric=temperature"
                + "&from=2024-05-29T16:26:40Z&to=1717000060000&limit=50");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonArray()).isEqualTo(rows);
    assertThat(request.get())
        .isEqualTo(
            new JsonObject()
                .put("device", "press-1")
                .put("metric", "temperature")
                .put("from", 1_717_000_000_000L)
                .put("to", 1_717_000_060_000L)
                .put("limit", 50));
  }

  /** Verifies that a telemetry query without parameters sends only the device. */
  @Test
  void telemetryWithoutParametersSendsDeviceOnly() throws Exception {
    AtomicReference<Object> request = answer(Addresses.STORAGE_TELEMETRY_QUERY, new JsonArray());

    HttpResponse<Buffer> res = get("/api/v1/devices/press-1/telemetry");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(request.get()).isEqualTo(new JsonObject().put("device", "press-1"));
  }

  /**
   * Verifies that bucket, agg, latest and cursor reach storage, and that storage's next-page cursor
   * comes back as X-Next-Cursor and a Link rel="next" that keeps the other parameters.
   */
  @Test
  void telemetryDownsamplingAndPaging() throws Exception {
    AtomicReference<Object> request = new AtomicReference<>();
    MessageConsumer<Object> backend =
        vertx()
            .eventBus()
            .consumer(
                Addresses.STORAGE_TELEMETRY_QUERY,
                msg -> {
                  request.set(msg.body());
                  msg.reply(
                      new JsonArray()
                          .add(new JsonObject().put("metric", "t").put("ts", 0).put("value", 1.0)),
                      new DeliveryOptions().addHeader(Addresses.NEXT_CURSOR_HEADER, "MTIzOnQ"));
                });
    backends.add(backend);
    backend.completion().await(5, TimeUnit.SECONDS);

    HttpResponse<Buffer> res =
        get("/api/v1/devices/press-1/telemetry?bucket=1m&agg=max&limit=1&cursor=abc&latest=false");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(request.get())
        .isEqualTo(
            new JsonObject()
                .put("device", "press-1")
                .put("limit", 1)
                .put("bucket", "1m")
                .put("agg", "max")
                .put("cursor", "abc")
                .put("latest", false));
    assertThat(res.getHeader("X-Next-Cursor")).isEqualTo("MTIzOnQ");
    assertThat(res.getHeader("Link"))
        .startsWith("</api/v1/devices/press-1/telemetry?")
        .contains("bucket=1m", "agg=max", "limit=1", "cursor=MTIzOnQ>")
        .doesNotContain("cursor=abc")
        .endsWith("; rel=\"next\"");
  }

  /** Verifies that latest must be true or false. */
  @Test
  void badLatestIsProblem() throws Exception {
    JsonObject problem = assertProblem(get("/api/v1/devices/x/telemetry?latest=yes"), 400);
    assertThat(problem.getString("detail")).startsWith("latest=yes");
  }

  /**
   * Verifies that /api/v1/export asks storage (local only) to write a temporary file, streams it
   * back as Parquet and deletes it afterwards.
   */
  @Test
  void exportStreamsFileAndDeletesIt() throws Exception {
    byte[] parquet = "PAR1 fake parquet PAR1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    AtomicReference<JsonObject> request = new AtomicReference<>();
    MessageConsumer<JsonObject> backend =
        vertx()
            .eventBus()
            .localConsumer(
                Addresses.STORAGE_EXPORT,
                msg -> {
                  request.set(msg.body());
                  vertx()
                      .fileSystem()
                      .writeFile(msg.body().getString("path"), Buffer.buffer(parquet))
                      .onSuccess(v -> msg.reply(new JsonObject().put("rows", 1)));
                });
    backends.add(backend);
    backend.completion().await(5, TimeUnit.SECONDS);

    HttpResponse<Buffer> res =
        get("/api/v1/export?device=press-1&from=1000&to=2024-05-29T16:26:40Z");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).isEqualTo("application/vnd.apache.parquet");
    assertThat(res.getHeader("Content-Disposition")).contains("attachment", ".parquet");
    assertThat(res.body().getBytes()).isEqualTo(parquet);
    assertThat(request.get().getString("device")).isEqualTo("press-1");
    assertThat(request.get().getLong("from")).isEqualTo(1000L);
    assertThat(request.get().getLong("to")).isEqualTo(1_717_000_000_000L);
    java.nio.file.Path file = java.nio.file.Path.of(request.get().getString("path"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (java.nio.file.Files.exists(file) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(file).doesNotExist();
  }

  /** Verifies that an export without a window is a 400 problem naming the parameter. */
  @Test
  void exportWithoutWindowIsProblem() throws Exception {
    assertThat(assertProblem(get("/api/v1/export?to=5"), 400).getString("detail"))
        .startsWith("from=");
    assertThat(assertProblem(get("/api/v1/export?from=5"), 400).getString("detail"))
        .startsWith("to=");
    assertThat(assertProblem(get("/api/v1/export?from=9&to=5"), 400).getString("detail"))
        .startsWith("from=9");
  }

  /** Verifies that /api/v1/state passes the device filter and returns the state object. */
  @Test
  void statePassThrough() throws Exception {
    JsonObject state =
        new JsonObject()
            .put(
                "press-1",
                new JsonObject()
                    .put(
                        "power",
                        new JsonObject()
                            .put("value", 3.2)
                            .put("ts", 5L)
                            .put("quality", "GOOD")
                            .put("unit", "kW")));
    AtomicReference<Object> request = answer(Addresses.STATE_QUERY, state);

    HttpResponse<Buffer> res = get("/api/v1/state?device=press-1");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject()).isEqualTo(state);
    assertThat(request.get()).isEqualTo(new JsonObject().put("device", "press-1"));
  }

  /** Verifies that /api/v1/deadletters passes the limit to storage. */
  @Test
  void deadLettersPassThrough() throws Exception {
    AtomicReference<Object> request =
        answer(Addresses.STORAGE_DEAD_LETTERS_QUERY, new JsonArray().add(new JsonObject()));

    HttpResponse<Buffer> res = get("/api/v1/deadletters?limit=5");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonArray()).hasSize(1);
    assertThat(request.get()).isEqualTo(new JsonObject().put("limit", 5));
  }

  /** Verifies that a malformed from is a 400 problem naming from and its value. */
  @Test
  void badFromIsProblem() throws Exception {
    answer(Addresses.STORAGE_TELEMETRY_QUERY, new JsonArray());

    HttpResponse<Buffer> res = get("/api/v1/devices/press-1/telemetry?from=yesterday");

    JsonObject problem = assertProblem(res, 400);
    assertThat(problem.getString("detail")).contains("from").contains("yesterday");
    assertThat(problem.getString("type")).isEqualTo("urn:busbar:problem:bad-parameter");
    assertThat(problem.getString("instance")).isEqualTo("/api/v1/devices/press-1/telemetry");
  }

  /** Verifies that from after to is a 400 problem. */
  @Test
  void fromAfterToIsProblem() throws Exception {
    HttpResponse<Buffer> res = get("/api/v1/devices/press-1/telemetry?from=2000&to=1000");

    assertThat(assertProblem(res, 400).getString("detail")).contains("from=2000");
  }

  /** Verifies that a limit out of 1..10000 is a 400 problem naming limit. */
  @Test
  void limitOutOfRangeIsProblem() throws Exception {
    assertThat(assertProblem(get("/api/v1/deadletters?limit=0"), 400).getString("detail"))
        .startsWith("limit=0");
    assertThat(
            assertProblem(get("/api/v1/devices/x/telemetry?limit=10001"), 400).getString("detail"))
        .startsWith("limit=10001");
  }

  /** Verifies that a query nobody answers (no backend deployed) is a 503 problem. */
  @Test
  void missingBackendIs503() throws Exception {
    HttpResponse<Buffer> res = get("/api/v1/state");

    JsonObject problem = assertProblem(res, 503);
    assertThat(problem.getString("detail")).contains(Addresses.STATE_QUERY);
  }

  /** Verifies that a backend's 400 failure is passed through with its message. */
  @Test
  void backendFailureCodePassedThrough() throws Exception {
    MessageConsumer<JsonObject> storage =
        vertx()
            .eventBus()
            .consumer(Addresses.STORAGE_TELEMETRY_QUERY, msg -> msg.fail(400, "unknown metric zz"));
    backends.add(storage);
    storage.completion().await(5, TimeUnit.SECONDS);

    HttpResponse<Buffer> res = get("/api/v1/devices/press-1/telemetry?metric=zz");

    assertThat(assertProblem(res, 400).getString("detail")).isEqualTo("unknown metric zz");
  }

  /** Verifies that an unknown path under /api is a 404 problem. */
  @Test
  void unknownApiPathIs404() throws Exception {
    assertProblem(get("/api/v1/nope"), 404);
  }

  /** Verifies that / serves the live-plant page and its script from the classpath. */
  @Test
  void pageServed() throws Exception {
    HttpResponse<Buffer> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.bodyAsString()).contains("Busbar — live plant").contains("app.js");

    HttpResponse<Buffer> script = get("/app.js");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.bodyAsString()).contains("/ws");
  }

  /** Verifies that a plain GET on /ws (no upgrade) is refused with 400. */
  @Test
  void plainGetOnWebSocketPathIs400() throws Exception {
    assertThat(get("/ws").statusCode()).isEqualTo(400);
  }

  /** Verifies that /ws streams a published EventBatch as one JSON frame of readings. */
  @Test
  void webSocketStreamsEvents() throws Exception {
    BlockingQueue<JsonObject> frames = connect("/ws");

    vertx()
        .eventBus()
        .publish(
            Addresses.EVENTS,
            new EventBatch(
                List.of(
                    event("press-1", "temperature", Value.of(21.5), "°C"),
                    event("press-1", "state", Value.of("RUNNING"), null))));

    JsonObject frame = frames.poll(5, TimeUnit.SECONDS);
    assertThat(frame).isNotNull();
    assertThat(frame.getString("type")).isEqualTo("events");
    JsonArray events = frame.getJsonArray("events");
    assertThat(events).hasSize(2);
    assertThat(events.getJsonObject(0))
        .isEqualTo(
            new JsonObject()
                .put("device", "press-1")
                .put("tenant", "acme")
                .put("metric", "temperature")
                .put("ts", 1_717_000_000_000L)
                .put("value", 21.5)
                .put("quality", "GOOD")
                .put("unit", "°C"));
    assertThat(events.getJsonObject(1).getString("value")).isEqualTo("RUNNING");
    assertThat(events.getJsonObject(1).getValue("unit")).isNull();
  }

  /** Verifies that ?device= sends only that device's readings and skips batches without it. */
  @Test
  void webSocketDeviceFilter() throws Exception {
    BlockingQueue<JsonObject> frames = connect("/ws?device=press-2");

    vertx()
        .eventBus()
        .publish(
            Addresses.EVENTS,
            new EventBatch(List.of(event("press-1", "power", Value.of(1.0), "kW"))));
    vertx()
        .eventBus()
        .publish(
            Addresses.EVENTS,
            new EventBatch(
                List.of(
                    event("press-1", "power", Value.of(2.0), "kW"),
                    event("press-2", "power", Value.of(3.0), "kW"))));

    JsonObject frame = frames.poll(5, TimeUnit.SECONDS);
    assertThat(frame).isNotNull();
    JsonArray events = frame.getJsonArray("events");
    assertThat(events).hasSize(1);
    assertThat(events.getJsonObject(0).getString("device")).isEqualTo("press-2");
    assertThat(events.getJsonObject(0).getDouble("value")).isEqualTo(3.0);
    assertThat(frames.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  /** Verifies that a client that stops reading has frames skipped and counted, not buffered. */
  @Test
  void slowClientFramesDroppedAndCounted() throws Exception {
    BlockingQueue<String> first = new LinkedBlockingQueue<>();
    // Handlers set before connecting: no frame can arrive unhandled.
    ClientWebSocket slow = ws.webSocket().textMessageHandler(first::add);
    slow.connect(port, HOST, "/ws").await(5, TimeUnit.SECONDS);
    sockets.add(slow);
    assertThat(first.poll(5, TimeUnit.SECONDS)).contains("hello");
    slow.pause(); // stop reading: TCP fills up, then the server's write queue

    List<Event> many = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      many.add(event("press-" + i, "vibration", Value.of(i * 0.1), "mm/s"));
    }
    EventBatch batch = new EventBatch(many);
    double before = dropped();
    // Each frame is ~130 kB; publish until the server starts skipping (at most ~130 MB).
    for (int i = 0; i < 1000 && dropped() == before; i++) {
      vertx().eventBus().publish(Addresses.EVENTS, batch);
      if (i % 20 == 19) {
        Thread.sleep(20); // let the event loop write
      }
    }
    Thread.sleep(100);

    assertThat(dropped()).isGreaterThan(before);
    assertThat((dropped() - before) % 1000).isZero(); // counted in readings, whole frames
    slow.resume(); // read the backlog so the close handshake can complete
  }

  private static double dropped() {
    return registry.get("busbar.ws.dropped").counter().count();
  }

  private BlockingQueue<JsonObject> connect(String uri) throws Exception {
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    BlockingQueue<JsonObject> hello = new LinkedBlockingQueue<>();
    // Handlers set before connecting: no frame can arrive unhandled.
    ClientWebSocket socket =
        ws.webSocket()
            .textMessageHandler(
                text -> {
                  JsonObject frame = new JsonObject(text);
                  (frame.getString("type").equals("hello") ? hello : frames).add(frame);
                });
    socket.connect(port, HOST, uri).await(5, TimeUnit.SECONDS);
    sockets.add(socket);
    // The hello frame is sent after the socket is subscribed: safe to publish from here on.
    JsonObject greeting = hello.poll(5, TimeUnit.SECONDS);
    assertThat(greeting).isNotNull();
    assertThat(greeting.getString("node")).isEqualTo("node-test");
    assertThat(registry.get("busbar.ws.clients").gauge().value()).isGreaterThanOrEqualTo(1.0);
    return frames;
  }

  private static Event event(String device, String metric, Value value, String unit) {
    return new Event(
        "acme",
        device,
        metric,
        1_717_000_000_000L,
        value,
        Quality.GOOD,
        unit,
        "devices/" + device + "/telemetry");
  }

  /**
   * Registers a backend on {@code address} that answers {@code reply} and remembers the request.
   */
  private AtomicReference<Object> answer(String address, Object reply) throws Exception {
    AtomicReference<Object> request = new AtomicReference<>();
    MessageConsumer<Object> backend =
        vertx()
            .eventBus()
            .consumer(
                address,
                msg -> {
                  request.set(msg.body());
                  msg.reply(reply);
                });
    backends.add(backend);
    backend.completion().await(5, TimeUnit.SECONDS);
    return request;
  }

  private static JsonObject assertProblem(HttpResponse<Buffer> res, int status) {
    assertThat(res.statusCode()).isEqualTo(status);
    assertThat(res.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = res.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("type")).startsWith("urn:busbar:problem:");
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
    return problem;
  }

  private static HttpResponse<Buffer> get(String uri) throws Exception {
    return http.get(port, HOST, uri).send().await(10, TimeUnit.SECONDS);
  }

  private static Vertx vertx() {
    return vertx;
  }
}
