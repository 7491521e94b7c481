package io.busbar.verticles.storage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How long raw readings and dead letters are kept, per tenant: a default and overrides ({@link
 * Duration#ZERO} = forever). Shared by the DuckDB and PostgreSQL stores, which turn its {@link
 * #cuts(long) cuts} into their own DELETE statements. Plain values; any thread.
 *
 * @param raw the default retention of every tenant without an override
 * @param perTenant overrides, tenant id → retention
 */
record RetentionPolicy(Duration raw, Map<String, Duration> perTenant) {

  RetentionPolicy {
    Objects.requireNonNull(raw, "raw");
    perTenant = perTenant == null ? Map.of() : Map.copyOf(perTenant);
  }

  static RetentionPolicy of(Duration raw, Map<String, Duration> perTenant) {
    return new RetentionPolicy(raw, perTenant);
  }

  /**
   * One deletion horizon: rows older than {@code horizon} go.
   *
   * @param tenant the tenant it applies to, or {@code null} for every tenant not in {@code except}
   * @param except the tenants with an override (empty when {@code tenant} is set)
   * @param horizon epoch ms; rows with a time before it are past retention
   */
  record Cut(String tenant, List<String> except, long horizon) {

    /**
     * The horizon for raw readings: never at or after the rollup watermark, so a reading is deleted
     * only once it is rolled up.
     *
     * @return {@code null} if nothing may be deleted yet (no rollup run so far)
     */
    Long readingsHorizon(Long hourDone) {
      return hourDone == null ? null : Math.min(horizon, hourDone);
    }
  }

  /** The horizons at {@code nowMs}: one per tenant override, then the default's (if any). */
  List<Cut> cuts(long nowMs) {
    List<Cut> cuts = new ArrayList<>();
    perTenant.forEach(
        (tenant, retention) -> {
          if (!retention.isZero()) {
            cuts.add(new Cut(tenant, List.of(), nowMs - retention.toMillis()));
          }
        });
    // sorted: the same statements in the same order on every run (and in tests)
    cuts.sort((a, b) -> a.tenant().compareTo(b.tenant()));
    if (!raw.isZero()) {
      cuts.add(
          new Cut(null, perTenant.keySet().stream().sorted().toList(), nowMs - raw.toMillis()));
    }
    return cuts;
  }

  /** The shortest retention in force, or {@code null} if everything is kept forever. */
  Duration shortest() {
    Duration shortest = raw.isZero() ? null : raw;
    for (Duration d : perTenant.values()) {
      if (!d.isZero() && (shortest == null || d.compareTo(shortest) < 0)) {
        shortest = d;
      }
    }
    return shortest;
  }

  /**
   * The first hour that lies wholly inside the shortest retention at {@code nowMs}: hours before it
   * may be partly deleted already, so they cannot be recomputed from raw rows.
   *
   * @return {@code null} if everything is kept forever
   */
  Long firstWholeHour(long nowMs) {
    Duration shortest = shortest();
    if (shortest == null) {
      return null;
    }
    return Math.floorDiv(nowMs - shortest.toMillis(), Bucket.HOUR_MS) * Bucket.HOUR_MS
        + Bucket.HOUR_MS;
  }
}
