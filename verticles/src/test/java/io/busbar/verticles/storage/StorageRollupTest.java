package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Hourly/daily rollups and per-tenant retention on a real DuckDB, with a movable clock. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StorageRollupTest {

  /** 2024-05-01T00:00:00Z. */
  private static final long D0 = 1_714_521_600_000L;

  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;

  private Vertx vertx;

  /**
   * Verifies that after a rollup and retention run, hour and day buckets answer exactly what the
   * raw rows answered before, that raw rows past each tenant's retention are gone and counted, and
   * that a late reading into a rolled-up hour is folded in by the next run.
   */
  @Test
  void rollupsKeepAnswersAfterRetentionDeletesRawRows(Vertx shared) throws Exception {
    vertx = shared;
    BusCodecs.register(vertx.eventBus());
    MeterRegistry registry = new SimpleMeterRegistry();
    AtomicLong now = new AtomicLong(D0 + 3 * DAY + 30 * MINUTE);
    StorageConfig config =
        new StorageConfig(null, 10_000, 1_000, Duration.ofMillis(20))
            .withRetention(Duration.ofDays(1), Map.of("short", Duration.ofHours(12)))
            .withRollupInterval(Duration.ZERO);
    StorageVerticle storage = new StorageVerticle(config, registry, now::get);
    vertx.deployVerticle(storage).await(20, TimeUnit.SECONDS);

    // three days, one reading every 10 minutes, for a default tenant and a short-retention one
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 3 * 144; i++) {
      long ts = D0 + i * 10 * MINUTE;
      events.add(reading("acme", "roll-1", ts, i));
      events.add(reading("short", "roll-2", ts, 1000 - i));
    }
    vertx.eventBus().publish(Addresses.EVENTS, new EventBatch(events));
    StorageTestSupport.awaitCondition(
        () -> registry.get("busbar.storage.events.written").counter().count() == 864);

    JsonArray hourlyBefore = buckets("roll-1", "1h", "avg");
    JsonArray dailyBefore = new JsonArray();
    for (String agg : List.of("avg", "min", "max", "last", "count")) {
      dailyBefore.add(buckets("roll-1", "1d", agg));
      dailyBefore.add(buckets("roll-2", "1d", agg));
    }
    assertThat(hourlyBefore).hasSize(72);

    Rollups.Result result = storage.runMaintenance().await(20, TimeUnit.SECONDS);

    assertThat(result.hourlyRows()).isEqualTo(144);
    assertThat(result.dailyRows()).isEqualTo(6);
    // roll-1 keeps one day: ts < D0+2d+30min goes (291 rows); roll-2 keeps 12 h: ts < D0+2d+12h30
    assertThat(result.deletedReadings()).isEqualTo(291 + 363);
    assertThat(raw("roll-1")).hasSize(432 - 291);
    assertThat(raw("roll-2")).hasSize(432 - 363);
    assertThat(
            registry
                .get("busbar.storage.retention.deleted")
                .tag("table", "telemetry")
                .counter()
                .count())
        .isEqualTo(654);
    assertThat(registry.get("busbar.storage.rollup.rows").tag("table", "1h").counter().count())
        .isEqualTo(144);

    assertThat(buckets("roll-1", "1h", "avg")).isEqualTo(hourlyBefore);
    JsonArray dailyAfter = new JsonArray();
    for (String agg : List.of("avg", "min", "max", "last", "count")) {
      dailyAfter.add(buckets("roll-1", "1d", agg));
      dailyAfter.add(buckets("roll-2", "1d", agg));
    }
    assertThat(dailyAfter).isEqualTo(dailyBefore);
    // finer buckets need raw rows: the deleted first day is gone at 1m
    assertThat(buckets("roll-1", "1m", "avg").getJsonObject(0).getLong("ts"))
        .isEqualTo(D0 + 2 * DAY + 30 * MINUTE);

    // a late reading into an hour that is already rolled up and inside the shortest retention
    long lateHour = D0 + 2 * DAY + 20 * HOUR;
    vertx
        .eventBus()
        .publish(
            Addresses.EVENTS,
            new EventBatch(List.of(reading("acme", "roll-1", lateHour + 1, 5000))));
    StorageTestSupport.awaitCondition(
        () -> registry.get("busbar.storage.events.written").counter().count() == 865);
    storage.runMaintenance().await(20, TimeUnit.SECONDS);

    JsonArray lateHourCount =
        request(
            vertx,
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
            vertx,
            Addresses.STORAGE_TELEMETRY_QUERY,
            new JsonObject()
                .put("device", "roll-1")
                .put("bucket", "1d")
                .put("agg", "max")
                .put("from", D0 + 2 * DAY)
                .put("to", D0 + 3 * DAY));
    assertThat(lateDayMax.getJsonObject(0).getDouble("value")).isEqualTo(5000.0);
  }

  private static Event reading(String tenant, String device, long ts, double value) {
    return new Event(tenant, device, "temp", ts, Value.of(value), Quality.GOOD, "°C", "t");
  }

  private JsonArray buckets(String device, String bucket, String agg) throws Exception {
    return request(
        vertx,
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject()
            .put("device", device)
            .put("bucket", bucket)
            .put("agg", agg)
            .put("limit", 10_000));
  }

  private JsonArray raw(String device) throws Exception {
    return request(
        vertx,
        Addresses.STORAGE_TELEMETRY_QUERY,
        new JsonObject().put("device", device).put("limit", 10_000));
  }
}
