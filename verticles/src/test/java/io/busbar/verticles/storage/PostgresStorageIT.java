package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.awaitTelemetry;
import static io.busbar.verticles.storage.StorageTestSupport.event;
import static io.busbar.verticles.storage.StorageTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
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
    assertThat(
            StorageTestSupport.badRequest(vertx, Addresses.STORAGE_TELEMETRY_QUERY, "not json")
                .getMessage())
        .contains("JSON");
    assertThat(
            StorageTestSupport.badRequest(
                    vertx, Addresses.STORAGE_TELEMETRY_QUERY, new JsonObject())
                .getMessage())
        .contains("device");
    assertThat(
            StorageTestSupport.badRequest(
                    vertx,
                    Addresses.STORAGE_TELEMETRY_QUERY,
                    new JsonObject().put("device", "d").put("limit", 0))
                .getMessage())
        .contains("limit");
    assertThat(
            StorageTestSupport.badRequest(
                    vertx,
                    Addresses.STORAGE_TELEMETRY_QUERY,
                    new JsonObject().put("device", "d").put("cursor", "%%%"))
                .getMessage())
        .contains("cursor");
    assertThat(
            StorageTestSupport.badRequest(
                    vertx,
                    Addresses.STORAGE_DEAD_LETTERS_QUERY,
                    new JsonObject().put("limit", 10_001))
                .getMessage())
        .contains("limit");
    assertThat(
            StorageTestSupport.badRequest(vertx, Addresses.STORAGE_INGEST, new JsonObject())
                .getMessage())
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

  /**
   * Verifies, as StorageRollupTest does for DuckDB ({@link RollupScenario}), that after a rollup
   * and retention run hour and day buckets answer exactly what the raw rows answered before, on
   * both nodes, that raw rows past each tenant's retention are gone and counted, that a late
   * reading into a rolled-up hour is folded in by the other node's next run, and that a run after
   * that finds nothing left.
   */
  @Test
  void rollupsKeepAnswersAfterRetentionDeletesRawRows() throws Exception {
    // a database of its own: retention must not touch the other tests' rows
    server.createDatabase(vertx, "rollups");
    MeterRegistry registry = new SimpleMeterRegistry();
    PostgresStorageConfig config =
        new PostgresStorageConfig(
                server.url("rollups"), 2, 10_000, 1_000, Duration.ofMillis(20), false)
            .withRetention(Duration.ofDays(1), Map.of("short", Duration.ofHours(12)))
            .withRollupInterval(Duration.ZERO);
    Vertx node = Vertx.vertx();
    Vertx other = Vertx.vertx();
    try {
      BusCodecs.register(node.eventBus());
      PostgresStorageVerticle storage =
          new PostgresStorageVerticle(config, registry, () -> RollupScenario.NOW);
      node.deployVerticle(storage).await(30, TimeUnit.SECONDS);
      PostgresStorageVerticle second =
          new PostgresStorageVerticle(config, new SimpleMeterRegistry(), () -> RollupScenario.NOW);
      other.deployVerticle(second).await(30, TimeUnit.SECONDS);

      RollupScenario.publishThreeDays(node, registry);
      RollupScenario.Before before = RollupScenario.before(node);
      Rollups.Result result = storage.runMaintenance().await(30, TimeUnit.SECONDS);
      RollupScenario.assertRolledUpAndRetained(node, registry, result, before);
      // the other node reads the same rollups
      assertThat(RollupScenario.buckets(other, "roll-1", "1h", "avg")).isEqualTo(before.hourly());

      RollupScenario.publishLateReading(node, registry);
      // the other node runs maintenance this time: the state is in the database, not in a node
      Rollups.Result late = second.runMaintenance().await(30, TimeUnit.SECONDS);
      assertThat(late.hourlyRows()).isPositive();
      RollupScenario.assertLateReadingFolded(node);

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

  private static EventBatch batch(String device, long firstTs, int count) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(event(device, "m", firstTs + i, Value.of(i)));
    }
    return new EventBatch(events);
  }
}
