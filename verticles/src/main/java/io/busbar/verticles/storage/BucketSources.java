package io.busbar.verticles.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Which tables answer a bucketed query: daily rollups before the last rolled-up day, hourly rollups
 * before the rollup watermark, raw rows after it, tiling the window without overlap. Rollups are
 * used only for buckets of at least an hour, which they divide evenly, so the answer is the same as
 * from raw rows — and still there once retention has deleted the raw rows. Shared by the DuckDB and
 * PostgreSQL stores; plain values, any thread.
 */
final class BucketSources {

  /** A table and the time range of it to read ({@code null} bounds are open). */
  record Source(Table table, Long from, Long to) {}

  /** The three tables, with their time column. */
  enum Table {
    DAILY("telemetry_1d", "bucket"),
    HOURLY("telemetry_1h", "bucket"),
    RAW("telemetry", "ts");

    private final String table;
    private final String timeColumn;

    Table(String table, String timeColumn) {
      this.table = table;
      this.timeColumn = timeColumn;
    }

    /** The table name: a constant, never user input. */
    String sqlName() {
      return table;
    }

    String timeColumn() {
      return timeColumn;
    }
  }

  private BucketSources() {}

  /** Whether a query with this bucket may read rollups (and so needs the watermark). */
  static boolean usesRollups(Bucket bucket) {
    return bucket.millis() >= Bucket.HOUR_MS;
  }

  /**
   * The sources of a window.
   *
   * @param hourDone the rollup watermark read in the same snapshot as the sources will be, or
   *     {@code null} (no rollups yet, or a bucket under an hour): raw rows only
   * @return empty if the window is empty
   */
  static List<Source> plan(Bucket bucket, Long from, Long to, Long hourDone) {
    List<Source> sources = new ArrayList<>();
    if (hourDone == null || !usesRollups(bucket)) {
      if (before(from, to)) {
        sources.add(new Source(Table.RAW, from, to));
      }
      return sources;
    }
    long dayDone = Math.floorDiv(hourDone, Bucket.DAY_MS) * Bucket.DAY_MS;
    boolean daily = bucket.millis() >= Bucket.DAY_MS;
    if (daily && before(from, min(to, dayDone))) {
      sources.add(new Source(Table.DAILY, from, min(to, dayDone)));
    }
    Long hourlyLo = daily ? max(from, dayDone) : from;
    if (before(hourlyLo, min(to, hourDone))) {
      sources.add(new Source(Table.HOURLY, hourlyLo, min(to, hourDone)));
    }
    Long rawLo = max(from, hourDone);
    if (before(rawLo, to)) {
      sources.add(new Source(Table.RAW, rawLo, to));
    }
    return sources;
  }

  /** {@code a < b} where {@code null} is unbounded (from: -inf, to: +inf). */
  private static boolean before(Long from, Long to) {
    return from == null || to == null || from < to;
  }

  private static Long min(Long to, long other) {
    return to == null ? other : Math.min(to, other);
  }

  private static Long max(Long from, long other) {
    return from == null ? other : Math.max(from, other);
  }
}
