package io.busbar.verticles.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The plain planning shared by the DuckDB and PostgreSQL stores: rollup runs, retention horizons
 * and the tables that answer a bucketed query.
 */
@Timeout(5)
class RollupPlanTest {

  private static final long H = Bucket.HOUR_MS;
  private static final long D = Bucket.DAY_MS;

  /** 2024-05-01T00:00:00Z. */
  private static final long D0 = 1_714_521_600_000L;

  private static final RetentionPolicy FOREVER = RetentionPolicy.of(Duration.ZERO, Map.of());

  /**
   * Verifies that the first run starts at the first raw hour and stops after 24 hours, not caught
   * up; that a run with nothing new plans no work; and that before any reading nothing happens.
   */
  @Test
  void firstRunIsCappedThenCatchesUp() {
    long now = D0 + 3 * D + 30 * 60_000;
    RollupPlan first = RollupPlan.plan(now, null, D0, null, FOREVER);
    assertThat(first.hasWork()).isTrue();
    assertThat(first.start()).isEqualTo(D0);
    assertThat(first.hourEnd()).isEqualTo(D0 + 24 * H);
    assertThat(first.hourDone()).isEqualTo(D0 + 24 * H);
    assertThat(first.caughtUp()).isFalse();
    assertThat(first.dayStart()).isEqualTo(D0);
    assertThat(first.dayEnd()).isEqualTo(D0 + D);

    RollupPlan idle = RollupPlan.plan(now, D0 + 3 * D, null, null, FOREVER);
    assertThat(idle.hasWork()).isFalse();
    assertThat(idle.caughtUp()).isTrue();
    assertThat(idle.hourDone()).isEqualTo(D0 + 3 * D);

    RollupPlan empty = RollupPlan.plan(now, null, null, null, FOREVER);
    assertThat(empty.hasWork()).isFalse();
    assertThat(empty.hourDone()).isNull();
  }

  /**
   * Verifies that a dirty hour is recomputed from there, but not before the first hour wholly
   * inside the shortest retention, and that a capped recomputation leaves the rest dirty.
   */
  @Test
  void dirtyHoursWithinRetention() {
    long now = D0 + 3 * D + 30 * 60_000;
    RetentionPolicy twelveHours =
        RetentionPolicy.of(Duration.ofDays(1), Map.of("short", Duration.ofHours(12)));
    // dirty long ago: clamped to the first whole hour inside 12 h
    RollupPlan clamped = RollupPlan.plan(now, D0 + 3 * D, null, D0, twelveHours);
    assertThat(clamped.start()).isEqualTo(D0 + 2 * D + 13 * H);
    assertThat(clamped.stillDirty()).isNull();

    RollupPlan capped = RollupPlan.plan(now, D0 + 3 * D, null, D0, FOREVER);
    assertThat(capped.start()).isEqualTo(D0);
    assertThat(capped.hourEnd()).isEqualTo(D0 + 24 * H);
    assertThat(capped.stillDirty()).isEqualTo(D0 + 24 * H);
    assertThat(capped.hourDone()).isEqualTo(D0 + 3 * D);
  }

  /** Verifies the retention horizons: one per override (zero = forever), then the default's. */
  @Test
  void retentionCuts() {
    RetentionPolicy policy =
        RetentionPolicy.of(
            Duration.ofDays(1), Map.of("lab", Duration.ofHours(1), "keep", Duration.ZERO));
    List<RetentionPolicy.Cut> cuts = policy.cuts(10 * D);
    assertThat(cuts)
        .containsExactly(
            new RetentionPolicy.Cut("lab", List.of(), 10 * D - H),
            new RetentionPolicy.Cut(null, List.of("keep", "lab"), 9 * D));
    assertThat(cuts.get(0).readingsHorizon(null)).isNull();
    assertThat(cuts.get(0).readingsHorizon(10 * D - 5 * H)).isEqualTo(10 * D - 5 * H);
    assertThat(policy.shortest()).isEqualTo(Duration.ofHours(1));
    assertThat(FOREVER.cuts(10 * D)).isEmpty();
    assertThat(FOREVER.firstWholeHour(10 * D)).isNull();
  }

  /**
   * Verifies that a window is tiled without overlap: daily rollups up to the last whole rolled-up
   * day (1d buckets only), hourly up to the watermark, raw after it; and raw only under an hour.
   */
  @Test
  void bucketSourcesTileTheWindow() {
    long hourDone = D0 + 2 * D + 5 * H;
    assertThat(BucketSources.plan(Bucket.D1, D0, D0 + 3 * D, hourDone))
        .containsExactly(
            new BucketSources.Source(BucketSources.Table.DAILY, D0, D0 + 2 * D),
            new BucketSources.Source(BucketSources.Table.HOURLY, D0 + 2 * D, hourDone),
            new BucketSources.Source(BucketSources.Table.RAW, hourDone, D0 + 3 * D));
    assertThat(BucketSources.plan(Bucket.H1, null, null, hourDone))
        .containsExactly(
            new BucketSources.Source(BucketSources.Table.HOURLY, null, hourDone),
            new BucketSources.Source(BucketSources.Table.RAW, hourDone, null));
    assertThat(BucketSources.plan(Bucket.M1, D0, D0 + D, hourDone))
        .containsExactly(new BucketSources.Source(BucketSources.Table.RAW, D0, D0 + D));
    assertThat(BucketSources.plan(Bucket.H1, D0 + 3 * D, D0 + 4 * D, hourDone))
        .containsExactly(new BucketSources.Source(BucketSources.Table.RAW, D0 + 3 * D, D0 + 4 * D));
    assertThat(BucketSources.plan(Bucket.H1, D0, D0 + D, null))
        .containsExactly(new BucketSources.Source(BucketSources.Table.RAW, D0, D0 + D));
  }
}
