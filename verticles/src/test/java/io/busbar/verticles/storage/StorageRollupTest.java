package io.busbar.verticles.storage;

import io.busbar.codecs.bus.BusCodecs;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Hourly/daily rollups and per-tenant retention on a real DuckDB, with a movable clock. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StorageRollupTest {

  /**
   * Verifies that after a rollup and retention run, hour and day buckets answer exactly what the
   * raw rows answered before, that raw rows past each tenant's retention are gone and counted, and
   * that a late reading into a rolled-up hour is folded in by the next run ({@link
   * RollupScenario}).
   */
  @Test
  void rollupsKeepAnswersAfterRetentionDeletesRawRows(Vertx vertx) throws Exception {
    BusCodecs.register(vertx.eventBus());
    MeterRegistry registry = new SimpleMeterRegistry();
    StorageConfig config =
        new StorageConfig(null, 10_000, 1_000, Duration.ofMillis(20))
            .withRetention(Duration.ofDays(1), Map.of("short", Duration.ofHours(12)))
            .withRollupInterval(Duration.ZERO);
    StorageVerticle storage = new StorageVerticle(config, registry, () -> RollupScenario.NOW);
    vertx.deployVerticle(storage).await(20, TimeUnit.SECONDS);

    RollupScenario.publishThreeDays(vertx, registry);
    RollupScenario.Before before = RollupScenario.before(vertx);
    Rollups.Result result = storage.runMaintenance().await(20, TimeUnit.SECONDS);
    RollupScenario.assertRolledUpAndRetained(vertx, registry, result, before);

    RollupScenario.publishLateReading(vertx, registry);
    storage.runMaintenance().await(20, TimeUnit.SECONDS);
    RollupScenario.assertLateReadingFolded(vertx);
  }
}
