package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The rollup and retention scenario both stores run (DuckDB in StorageRollupTest, PostgreSQL in
 * PostgresStorageIT), in steps around the store's own maintenance runs: three days of readings
 * every 10 minutes for tenant {@code acme} (device roll-1, one day of retention) and tenant {@code
 * short} (device roll-2, 12 hours), the clock at {@link #NOW}; then a late reading into an hour
 * already rolled up. The store must be configured with those retentions and that clock.
 */
final class RollupScenario {

  /** 2024-05-01T00:00:00Z. */
  static final long D0 = 1_714_521_600_000L;

  static final long MINUTE = 60_000L;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;

  /** The store's clock: half an hour into the fourth day. */
  static final long NOW = D0 + 3 * DAY + 30 * MINUTE;

  /** The late reading's hour: inside both retentions, rolled up by the first run. */
  static final long LATE_HOUR = D0 + 2 * DAY + 20 * HOUR;

  /** What the raw rows answered before the first maintenance run. */
  record Before(JsonArray hourly, JsonArray daily) {}

  private RollupScenario() {}

  /** Publishes the three days on {@code node} and waits until {@code registry} counts them. */
  static void publishThreeDays(Vertx node, MeterRegistry registry) throws Exception {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 3 * 144; i++) {
      long ts = D0 + i * 10 * MINUTE;
      events.add(reading("acme", "roll-1", ts, i));
      events.add(reading("short", "roll-2", ts, 1000 - i));
    }
    node.eventBus().publish(Addresses.EVENTS, new EventBatch(events));
    awaitWritten(registry, 864);
  }

  /** The hour and day buckets as the raw rows answer them. */
  static Before before(Vertx node) throws Exception {
    Before before = new Before(buckets(node, "roll-1", "1h", "avg"), daily(node));
    assertThat(before.hourly()).hasSize(72);
    return before;
  }

  /**
   * Asserts the first maintenance run's work: every hour and day rolled up, the rows past each
   * tenant's retention deleted and counted, and the buckets answering as before.
   */
  static void assertRolledUpAndRetained(
      Vertx node, MeterRegistry registry, Rollups.Result result, Before before) throws Exception {
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

    assertThat(buckets(node, "roll-1", "1h", "avg")).isEqualTo(before.hourly());
    assertThat(daily(node)).isEqualTo(before.daily());
    // finer buckets need raw rows: the deleted first day is gone at 1m
    assertThat(buckets(node, "roll-1", "1m", "avg").getJsonObject(0).getLong("ts"))
        .isEqualTo(D0 + 2 * DAY + 30 * MINUTE);
  }

  /** Publishes one reading into {@link #LATE_HOUR} and waits until it is written. */
  static void publishLateReading(Vertx node, MeterRegistry registry) throws Exception {
    node.eventBus()
        .publish(
            Addresses.EVENTS,
            new EventBatch(List.of(reading("acme", "roll-1", LATE_HOUR + 1, 5000))));
    awaitWritten(registry, 865);
  }

  /** Asserts that the next maintenance run folded the late reading into its hour and day. */
  static void assertLateReadingFolded(Vertx node) throws Exception {
    JsonArray hourCount =
        request(
            node,
            Addresses.STORAGE_TELEMETRY_QUERY,
            new JsonObject()
                .put("device", "roll-1")
                .put("bucket", "1h")
                .put("agg", "count")
                .put("from", LATE_HOUR)
                .put("to", LATE_HOUR + HOUR));
    assertThat(hourCount.getJsonObject(0).getLong("value")).isEqualTo(7L);
    JsonArray dayMax =
        request(
            node,
            Addresses.STORAGE_TELEMETRY_QUERY,
            new JsonObject()
                .put("device", "roll-1")
                .put("bucket", "1d")
                .put("agg", "max")
                .put("from", D0 + 2 * DAY)
                .put("to", D0 + 3 * DAY));
    assertThat(dayMax.getJsonObject(0).getDouble("value")).isEqualTo(5000.0);
  }

  static JsonArray buckets(Vertx node, String device, String bucket, String agg) throws Exception {
    return request(
        node,
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject()
            .put("device", device)
            .put("bucket", bucket)
            .put("agg", agg)
            .put("limit", 10_000));
  }

  private static JsonArray daily(Vertx node) throws Exception {
    JsonArray daily = new JsonArray();
    for (String agg : List.of("avg", "min", "max", "last", "count")) {
      daily.add(buckets(node, "roll-1", "1d", agg));
      daily.add(buckets(node, "roll-2", "1d", agg));
    }
    return daily;
  }

  private static JsonArray raw(Vertx node, String device) throws Exception {
    return request(
        node,
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject().put("device", device).put("limit", 10_000));
  }

  private static Event reading(String tenant, String device, long ts, double value) {
    return new Event(tenant, device, "temp", ts, Value.of(value), Quality.GOOD, "°C", "t");
  }

  private static void awaitWritten(MeterRegistry registry, double count) throws Exception {
    StorageTestSupport.awaitCondition(
        () -> registry.get("busbar.storage.events.written").counter().count() == count);
  }
}
