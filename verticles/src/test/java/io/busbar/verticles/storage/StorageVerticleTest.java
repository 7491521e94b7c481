package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.awaitTelemetry;
import static io.busbar.verticles.storage.StorageTestSupport.event;
import static io.busbar.verticles.storage.StorageTestSupport.publish;
import static io.busbar.verticles.storage.StorageTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** One in-memory storage verticle on a real event bus, shared by every test of the class. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StorageVerticleTest {

  private static final MeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static Vertx vertx;

  @BeforeAll
  static void deploy(Vertx shared) throws Exception {
    vertx = shared;
    BusCodecs.register(vertx.eventBus());
    vertx
        .deployVerticle(
            new StorageVerticle(
                new StorageConfig(null, 10_000, 100, Duration.ofMillis(20)), REGISTRY))
        .await(20, TimeUnit.SECONDS);
  }

  /**
   * Verifies that numbers, texts and booleans come back typed, oldest first, with quality and unit.
   */
  @Test
  void storesTypedValuesOldestFirst() throws Exception {
    publish(
        vertx,
        event("typed-1", "state", 2_000, Value.of("RUNNING")),
        new Event("acme", "typed-1", "temperature", 1_000, Value.of(21.5), Quality.GOOD, "°C", "t"),
        new Event("acme", "typed-1", "door", 3_000, Value.of(true), Quality.UNCERTAIN, null, "t"));

    JsonArray rows = awaitTelemetry(vertx, new JsonObject().put("device", "typed-1"), 3);

    assertThat(rows).hasSize(3);
    JsonObject temperature = rows.getJsonObject(0);
    assertThat(temperature.getString("metric")).isEqualTo("temperature");
    assertThat(temperature.getLong("ts")).isEqualTo(1_000L);
    assertThat(temperature.getValue("value")).isEqualTo(21.5);
    assertThat(temperature.getString("quality")).isEqualTo("GOOD");
    assertThat(temperature.getString("unit")).isEqualTo("°C");
    assertThat(rows.getJsonObject(1).getValue("value")).isEqualTo("RUNNING");
    assertThat(rows.getJsonObject(2).getValue("value")).isEqualTo(true);
    assertThat(rows.getJsonObject(2).getString("quality")).isEqualTo("UNCERTAIN");
    assertThat(rows.getJsonObject(2).getString("unit")).isNull();
  }

  /** Verifies that from is inclusive, to exclusive, and that numeric strings are accepted. */
  @Test
  void filtersByHalfOpenTimeWindow() throws Exception {
    for (long ts = 1_000; ts <= 5_000; ts += 1_000) {
      publish(vertx, event("window-1", "speed", ts, Value.of((double) ts)));
    }
    awaitTelemetry(vertx, new JsonObject().put("device", "window-1"), 5);

    JsonArray rows =
        request(
            vertx,
            Addresses.STORAGE_TELEMETRY_QUERY,
            new JsonObject().put("device", "window-1").put("from", 2_000).put("to", "4000"));

    assertThat(rows.stream().map(r -> ((JsonObject) r).getLong("ts")))
        .containsExactly(2_000L, 3_000L);
  }

  /** Verifies that the metric filter returns only that metric and other devices never leak in. */
  @Test
  void filtersByMetric() throws Exception {
    publish(
        vertx,
        event("metric-1", "temperature", 1_000, Value.of(20)),
        event("metric-1", "pressure", 1_000, Value.of(1.2)),
        event("metric-1", "pressure", 2_000, Value.of(1.3)),
        event("metric-2", "pressure", 1_500, Value.of(9.9)));
    awaitTelemetry(vertx, new JsonObject().put("device", "metric-1"), 3);

    JsonArray rows =
        request(
            vertx,
            Addresses.STORAGE_TELEMETRY_QUERY,
            new JsonObject().put("device", "metric-1").put("metric", "pressure"));

    assertThat(rows).hasSize(2);
    assertThat(rows.stream().map(r -> ((JsonObject) r).getValue("value")))
        .containsExactly(1.2, 1.3);
  }

  /** Verifies that limit keeps the latest readings of the window, still oldest first. */
  @Test
  void limitKeepsLatestReadings() throws Exception {
    for (long ts = 1; ts <= 10; ts++) {
      publish(vertx, event("limit-1", "count", ts, Value.of((double) ts)));
    }
    awaitTelemetry(vertx, new JsonObject().put("device", "limit-1"), 10);

    JsonArray rows =
        request(
            vertx,
            Addresses.STORAGE_TELEMETRY_QUERY,
            new JsonObject().put("device", "limit-1").put("limit", 3));

    assertThat(rows.stream().map(r -> ((JsonObject) r).getLong("ts"))).containsExactly(8L, 9L, 10L);
  }

  /** Verifies that dead letters are stored and listed newest first, payload as base64 and text. */
  @Test
  void storesAndListsDeadLetters() throws Exception {
    byte[] text = "{\"temp\":".getBytes(StandardCharsets.UTF_8);
    byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x00, 0x41};
    vertx
        .eventBus()
        .publish(
            Addresses.DEAD_LETTERS,
            new DeadLetter(
                "dl-tenant", "dl-1", "devices/dl-1/telemetry", "truncated JSON", text, 1_000));
    vertx
        .eventBus()
        .publish(
            Addresses.DEAD_LETTERS,
            new DeadLetter(
                "dl-tenant", "dl-1", "devices/dl-1/frames/x", "bad frame", binary, 2_000));
    JsonObject query = new JsonObject().put("tenant", "dl-tenant");
    StorageTestSupport.awaitCondition(
        () -> {
          try {
            return request(vertx, Addresses.STORAGE_DEAD_LETTERS_QUERY, query).size() == 2;
          } catch (Exception e) {
            return false;
          }
        });

    JsonArray letters = request(vertx, Addresses.STORAGE_DEAD_LETTERS_QUERY, query);

    assertThat(letters).hasSize(2);
    JsonObject newest = letters.getJsonObject(0);
    assertThat(newest.getString("reason")).isEqualTo("bad frame");
    assertThat(newest.getLong("receivedAt")).isEqualTo(2_000L);
    assertThat(Base64.getDecoder().decode(newest.getString("payload"))).isEqualTo(binary);
    assertThat(newest.getString("payloadText")).isNull();
    JsonObject oldest = letters.getJsonObject(1);
    assertThat(oldest.getString("tenant")).isEqualTo("dl-tenant");
    assertThat(oldest.getString("device")).isEqualTo("dl-1");
    assertThat(oldest.getString("topic")).isEqualTo("devices/dl-1/telemetry");
    assertThat(oldest.getString("payloadText")).isEqualTo("{\"temp\":");
    assertThat(request(vertx, Addresses.STORAGE_DEAD_LETTERS_QUERY, query.copy().put("limit", 1)))
        .hasSize(1);
  }

  /** Verifies that a malformed request field fails with 400 and a message naming the field. */
  @Test
  void badFieldsFailWith400() {
    assertBadRequest(
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject().put("device", "x").put("from", "yesterday"),
        "from");
    assertBadRequest(Addresses.STORAGE_TELEMETRY_QUERY, new JsonObject(), "device");
    assertBadRequest(
        Addresses.STORAGE_TELEMETRY_QUERY, new JsonObject().put("device", 42), "device");
    assertBadRequest(
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject().put("device", "x").put("limit", 10_001),
        "limit");
    assertBadRequest(
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject().put("device", "x").put("from", 5).put("to", 1),
        "from");
    assertBadRequest(
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject().put("device", "x").put("to", Long.MAX_VALUE),
        "to");
    assertBadRequest(
        Addresses.STORAGE_DEAD_LETTERS_QUERY, new JsonObject().put("limit", 2.5), "limit");
    assertBadRequest(Addresses.STORAGE_DEAD_LETTERS_QUERY, "not json", "request");
    assertThat(REGISTRY.get("busbar.storage.queries.failed").tag("code", "400").counter().count())
        .isGreaterThanOrEqualTo(8);
  }

  /** Verifies that the write metrics move when batches are committed. */
  @Test
  void recordsWriteMetrics() throws Exception {
    publish(vertx, event("metrics-1", "rpm", 1, Value.of(1500)));
    awaitTelemetry(vertx, new JsonObject().put("device", "metrics-1"), 1);

    assertThat(REGISTRY.get("busbar.storage.events.written").counter().count()).isPositive();
    assertThat(REGISTRY.get("busbar.storage.batch").timer().count()).isPositive();
    assertThat(REGISTRY.get("busbar.storage.queue.depth").gauge().value())
        .isGreaterThanOrEqualTo(0);
    assertThat(REGISTRY.get("busbar.storage.dropped").tag("reason", "queue_full").counter().count())
        .isZero();
  }

  private static void assertBadRequest(String address, Object body, String field) {
    ReplyException failure =
        catchThrowableOfType(
            ReplyException.class,
            () -> vertx.eventBus().request(address, body).await(10, TimeUnit.SECONDS));
    assertThat(failure).as("request %s", body).isNotNull();
    assertThat(failure.failureCode()).isEqualTo(400);
    assertThat(failure.getMessage()).contains(field);
  }
}
