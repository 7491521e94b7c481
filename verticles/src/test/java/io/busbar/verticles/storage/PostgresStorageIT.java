package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.awaitTelemetry;
import static io.busbar.verticles.storage.StorageTestSupport.event;
import static io.busbar.verticles.storage.StorageTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL store against a real PostgreSQL server started for this class ({@link
 * PostgresServer}): the shared query contract, plus dead letters, acknowledged ingest, bad
 * requests, a second node on the same database, and restarts of the store and of the server.
 */
class PostgresStorageIT extends StorageQueryContract {

  private PostgresServer server;

  @Override
  protected String deployStore(Vertx vertx) throws Exception {
    Path bin = PostgresServer.binaries().orElse(null);
    Assumptions.assumeTrue(bin != null, PostgresServer.MISSING);
    server = PostgresServer.start(bin);
    server.createDatabase(vertx, PostgresServer.DATABASE);
    return vertx
        .deployVerticle(new PostgresStorageVerticle(config(), new SimpleMeterRegistry()))
        .await(30, TimeUnit.SECONDS);
  }

  private PostgresStorageConfig config() {
    return new PostgresStorageConfig(server.url(), 4, 10_000, 100, Duration.ofMillis(20), false);
  }

  @AfterAll
  void stopServer() throws Exception {
    if (server != null) {
      // the store first, so its pool does not see the server go away
      for (String id : vertx.deploymentIDs()) {
        vertx.undeploy(id).await(30, TimeUnit.SECONDS);
      }
      server.close();
    }
  }

  /**
   * Verifies that dead letters are stored and answered newest first in the DuckDB store's shape
   * (base64 payload, payloadText only for UTF-8), filtered by tenant.
   */
  @Test
  void deadLettersNewestFirst() throws Exception {
    var bus = vertx.eventBus();
    bus.publish(
        Addresses.DEAD_LETTERS,
        new DeadLetter(
            "dl-tenant",
            "dl-1",
            "devices/dl-1/telemetry",
            "not JSON",
            "{oops".getBytes(StandardCharsets.UTF_8),
            1_000L));
    bus.publish(
        Addresses.DEAD_LETTERS,
        new DeadLetter(
            "dl-tenant",
            "dl-2",
            "devices/dl-2/frames/x",
            "short frame",
            new byte[] {(byte) 0xff, 0},
            2_000L));
    bus.publish(
        Addresses.DEAD_LETTERS,
        new DeadLetter("other", "dl-3", "devices/dl-3/telemetry", "x", new byte[0], 3_000L));
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
    assertThat(newest.getString("device")).isEqualTo("dl-2");
    assertThat(newest.getString("reason")).isEqualTo("short frame");
    assertThat(Base64.getDecoder().decode(newest.getString("payload")))
        .containsExactly((byte) 0xff, 0);
    assertThat(newest.getString("payloadText")).isNull();
    assertThat(newest.getLong("receivedAt")).isEqualTo(2_000L);
    JsonObject oldest = letters.getJsonObject(1);
    assertThat(oldest.getString("payloadText")).isEqualTo("{oops");
    assertThat(oldest.getString("topic")).isEqualTo("devices/dl-1/telemetry");
    assertThat(
            request(vertx, Addresses.STORAGE_DEAD_LETTERS_QUERY, new JsonObject().put("limit", 1)))
        .hasSize(1);
  }

  /**
   * Verifies that with ackOnCommit a STORAGE_INGEST reply comes once PostgreSQL has committed the
   * batch (a query right after it sees every reading although the flush interval is an hour), that
   * the same batch then published on EVENTS with the stored-by header is not stored twice, and that
   * a second node on the same database answers queries over it.
   */
  @Test
  void ingestAckedOnCommitThenVisibleFromAnotherNode() throws Exception {
    Vertx node = Vertx.vertx();
    try {
      BusCodecs.register(node.eventBus());
      PostgresStorageConfig onCommit =
          new PostgresStorageConfig(server.url(), 2, 1_000, 500, Duration.ofHours(1), true);
      node.deployVerticle(new PostgresStorageVerticle(onCommit, new SimpleMeterRegistry()))
          .await(30, TimeUnit.SECONDS);
      EventBatch batch = batch("ack-1", 0, 50);

      JsonObject ack =
          node.eventBus()
              .<JsonObject>request(Addresses.STORAGE_INGEST, batch)
              .await(10, TimeUnit.SECONDS)
              .body();
      assertThat(ack.getInteger("accepted")).isEqualTo(50);
      assertThat(ack.getBoolean("committed")).isTrue();
      JsonObject query = new JsonObject().put("device", "ack-1").put("limit", 1000);
      assertThat(request(node, Addresses.STORAGE_TELEMETRY_QUERY, query)).hasSize(50);
      // the other node (this class's store) reads the same rows
      assertThat(request(vertx, Addresses.STORAGE_TELEMETRY_QUERY, query)).hasSize(50);

      // the broker then publishes it for everyone else; the store that took it skips it
      node.eventBus()
          .publish(
              Addresses.EVENTS,
              batch,
              new DeliveryOptions()
                  .addHeader(Addresses.STORED_BY_HEADER, ack.getString("storage")));
      JsonObject marker =
          node.eventBus()
              .<JsonObject>request(Addresses.STORAGE_INGEST, batch("ack-marker", 0, 1))
              .await(10, TimeUnit.SECONDS)
              .body();
      assertThat(marker.getBoolean("committed")).isTrue();
      assertThat(request(node, Addresses.STORAGE_TELEMETRY_QUERY, query)).hasSize(50);
    } finally {
      node.close().await(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Verifies that bad requests are answered 400 naming the field (and counted), never a crash or a
   * 500: a body that is not JSON, no device, a bad limit or cursor, a dead-letter limit out of
   * range, and an ingest body that is not an EventBatch.
   */
  @Test
  void badRequestsAre400() throws Exception {
    assertThat(fail(Addresses.STORAGE_TELEMETRY_QUERY, "not json").getMessage()).contains("JSON");
    assertThat(fail(Addresses.STORAGE_TELEMETRY_QUERY, new JsonObject()).getMessage())
        .contains("device");
    assertThat(
            fail(
                    Addresses.STORAGE_TELEMETRY_QUERY,
                    new JsonObject().put("device", "d").put("limit", 0))
                .getMessage())
        .contains("limit");
    assertThat(
            fail(
                    Addresses.STORAGE_TELEMETRY_QUERY,
                    new JsonObject().put("device", "d").put("cursor", "%%%"))
                .getMessage())
        .contains("cursor");
    assertThat(
            fail(Addresses.STORAGE_DEAD_LETTERS_QUERY, new JsonObject().put("limit", 10_001))
                .getMessage())
        .contains("limit");
    assertThat(fail(Addresses.STORAGE_INGEST, new JsonObject()).getMessage())
        .contains("EventBatch");
    // still serving
    assertThat(
            request(
                vertx,
                Addresses.STORAGE_TELEMETRY_QUERY,
                new JsonObject().put("device", "nobody-here")))
        .isEmpty();
  }

  /**
   * Verifies that readings survive a restart of the store (stop drains the queue) and of the
   * PostgreSQL server, and that the running store reconnects after the server restart.
   */
  @Test
  void restartsKeepData() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    Vertx node = Vertx.vertx();
    try {
      BusCodecs.register(node.eventBus());
      // an hour-long flush: only the stop writes the batch
      PostgresStorageConfig lazy =
          new PostgresStorageConfig(server.url(), 1, 1_000, 500, Duration.ofHours(1), false);
      String id =
          node.deployVerticle(new PostgresStorageVerticle(lazy, registry))
              .await(30, TimeUnit.SECONDS);
      node.eventBus().publish(Addresses.EVENTS, batch("restart-1", 0, 20));
      StorageTestSupport.awaitCondition(
          () -> registry.get("busbar.storage.queue.depth").gauge().value() == 20);
      node.undeploy(id).await(30, TimeUnit.SECONDS);
      assertThat(registry.get("busbar.storage.events.written").counter().count()).isEqualTo(20);
    } finally {
      node.close().await(30, TimeUnit.SECONDS);
    }

    server.restart();

    JsonObject query = new JsonObject().put("device", "restart-1").put("limit", 100);
    // this class's store, whose connections the restart ended, answers again
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    JsonArray rows = null;
    while (rows == null && System.nanoTime() < deadline) {
      try {
        rows = request(vertx, Addresses.STORAGE_TELEMETRY_QUERY, query);
      } catch (ReplyException e) {
        Thread.sleep(100);
      }
    }
    assertThat(rows).hasSize(20);
    assertThat(rows.getJsonObject(19).getDouble("value")).isEqualTo(19.0);
    // and it still writes
    StorageTestSupport.publish(vertx, event("restart-1", "m", 1_000_000L, Value.of(7)));
    assertThat(awaitTelemetry(vertx, query, 21)).hasSize(21);
  }

  /** 2024-05-01T00:00:00Z. */
  private static final long D0 = 1_714_521_600_000L;

  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;

  /**
   * Verifies, as StorageRollupTest does for DuckDB and with the same figures, that after a rollup
   * and retention run hour and day buckets answer exactly what the raw rows answered before, that
   * raw rows past each tenant's retention are gone and counted, that a late reading into a
   * rolled-up hour is folded in by the next run, and that a second node's run finds nothing left.
   */
  @Test
  void rollupsKeepAnswersAfterRetentionDeletesRawRows() throws Exception {
    // a database of its own: retention must not touch the other tests' rows
    server.createDatabase(vertx, "rollups");
    MeterRegistry registry = new SimpleMeterRegistry();
    AtomicLong now = new AtomicLong(D0 + 3 * DAY + 30 * MINUTE);
    PostgresStorageConfig config =
        new PostgresStorageConfig(
                server.url("rollups"), 2, 10_000, 1_000, Duration.ofMillis(20), false)
            .withRetention(Duration.ofDays(1), Map.of("short", Duration.ofHours(12)))
            .withRollupInterval(Duration.ZERO);
    Vertx node = Vertx.vertx();
    Vertx other = Vertx.vertx();
    try {
      BusCodecs.register(node.eventBus());
      PostgresStorageVerticle storage = new PostgresStorageVerticle(config, registry, now::get);
      node.deployVerticle(storage).await(30, TimeUnit.SECONDS);
      PostgresStorageVerticle second =
          new PostgresStorageVerticle(config, new SimpleMeterRegistry(), now::get);
      other.deployVerticle(second).await(30, TimeUnit.SECONDS);

      // three days, one reading every 10 minutes, for a default tenant and a short-retention one
      List<Event> events = new ArrayList<>();
      for (int i = 0; i < 3 * 144; i++) {
        long ts = D0 + i * 10 * MINUTE;
        events.add(reading("acme", "roll-1", ts, i));
        events.add(reading("short", "roll-2", ts, 1000 - i));
      }
      node.eventBus().publish(Addresses.EVENTS, new EventBatch(events));
      StorageTestSupport.awaitCondition(
          () -> registry.get("busbar.storage.events.written").counter().count() == 864);

      JsonArray hourlyBefore = buckets(node, "roll-1", "1h", "avg");
      JsonArray dailyBefore = daily(node);
      assertThat(hourlyBefore).hasSize(72);

      Rollups.Result result = storage.runMaintenance().await(30, TimeUnit.SECONDS);

      assertThat(result.hourlyRows()).isEqualTo(144);
      assertThat(result.dailyRows()).isEqualTo(6);
      // roll-1 keeps one day: ts < D0+2d+30min goes (291 rows); roll-2 keeps 12 h: ts < D0+2d+12h30
      assertThat(result.deletedReadings()).isEqualTo(291 + 363);
      assertThat(raw(node, "roll-1")).hasSize(432 - 291);
      assertThat(raw(node, "roll-2")).hasSize(432 - 363);
      assertThat(
              registry
                  .get("busbar.storage.retention.deleted")
                  .tag("table", "telemetry")
                  .counter()
                  .count())
          .isEqualTo(654);
      assertThat(registry.get("busbar.storage.rollup.rows").tag("table", "1h").counter().count())
          .isEqualTo(144);

      assertThat(buckets(node, "roll-1", "1h", "avg")).isEqualTo(hourlyBefore);
      assertThat(daily(node)).isEqualTo(dailyBefore);
      // the other node reads the same rollups
      assertThat(buckets(other, "roll-1", "1h", "avg")).isEqualTo(hourlyBefore);
      // finer buckets need raw rows: the deleted first day is gone at 1m
      assertThat(buckets(node, "roll-1", "1m", "avg").getJsonObject(0).getLong("ts"))
          .isEqualTo(D0 + 2 * DAY + 30 * MINUTE);

      // a late reading into an hour that is already rolled up and inside the shortest retention
      long lateHour = D0 + 2 * DAY + 20 * HOUR;
      node.eventBus()
          .publish(
              Addresses.EVENTS,
              new EventBatch(List.of(reading("acme", "roll-1", lateHour + 1, 5000))));
      StorageTestSupport.awaitCondition(
          () -> registry.get("busbar.storage.events.written").counter().count() == 865);
      // the other node runs maintenance this time: the state is in the database, not in a node
      Rollups.Result late = second.runMaintenance().await(30, TimeUnit.SECONDS);
      assertThat(late.hourlyRows()).isPositive();

      JsonArray lateHourCount =
          request(
              node,
              Addresses.STORAGE_TELEMETRY_QUERY,
              new JsonObject()
                  .put("device", "roll-1")
                  .put("bucket", "1h")
                  .put("agg", "count")
                  .put("from", lateHour)
                  .put("to", lateHour + HOUR));
      assertThat(lateHourCount.getJsonObject(0).getLong("value")).isEqualTo(7L);
      JsonArray lateDayMax =
          request(
              node,
              Addresses.STORAGE_TELEMETRY_QUERY,
              new JsonObject()
                  .put("device", "roll-1")
                  .put("bucket", "1d")
                  .put("agg", "max")
                  .put("from", D0 + 2 * DAY)
                  .put("to", D0 + 3 * DAY));
      assertThat(lateDayMax.getJsonObject(0).getDouble("value")).isEqualTo(5000.0);

      // nothing new: a run rolls up no hour and deletes nothing
      Rollups.Result idle = storage.runMaintenance().await(30, TimeUnit.SECONDS);
      assertThat(idle.hourlyRows()).isZero();
      assertThat(idle.deletedReadings()).isZero();
    } finally {
      other.close().await(30, TimeUnit.SECONDS);
      node.close().await(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Verifies that STORAGE_EXPORT on a PostgreSQL node writes one device's half-open window as
   * Parquet with the DuckDB store's typed columns (read back with DuckDB's read_parquet), and that
   * bad requests are answered 400 naming the field.
   */
  @Test
  void exportsWindowToParquet(@TempDir Path dir) throws Exception {
    StorageTestSupport.assertExportsWindowToParquet(vertx, dir);
  }

  private static Event reading(String tenant, String device, long ts, double value) {
    return new Event(tenant, device, "temp", ts, Value.of(value), Quality.GOOD, "°C", "t");
  }

  private static JsonArray daily(Vertx node) throws Exception {
    JsonArray daily = new JsonArray();
    for (String agg : List.of("avg", "min", "max", "last", "count")) {
      daily.add(buckets(node, "roll-1", "1d", agg));
      daily.add(buckets(node, "roll-2", "1d", agg));
    }
    return daily;
  }

  private static JsonArray buckets(Vertx node, String device, String bucket, String agg)
      throws Exception {
    return request(
        node,
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject()
            .put("device", device)
            .put("bucket", bucket)
            .put("agg", agg)
            .put("limit", 10_000));
  }

  private static JsonArray raw(Vertx node, String device) throws Exception {
    return request(
        node,
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject().put("device", device).put("limit", 10_000));
  }

  private ReplyException fail(String address, Object body) {
    ReplyException failure =
        catchThrowableOfType(
            ReplyException.class,
            () -> vertx.eventBus().request(address, body).await(10, TimeUnit.SECONDS));
    assertThat(failure).isNotNull();
    assertThat(failure.failureCode()).isEqualTo(400);
    return failure;
  }

  private static EventBatch batch(String device, long firstTs, int count) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(event(device, "m", firstTs + i, Value.of(i)));
    }
    return new EventBatch(events);
  }
}
