package io.busbar.verticles.storage;

/**
 * What one maintenance run rolls up, worked out from the rollup state alone so that the DuckDB and
 * PostgreSQL stores plan alike (their SQL differs, the plan does not). Plain values; any thread.
 *
 * <p>Only completed hours are rolled up; {@code hourDone} (the watermark) is the end of the last
 * one. A write holding a reading older than the watermark marks its hour in {@code dirtyFrom}, and
 * the next run recomputes from there — unless that hour lies before the shortest retention, where
 * raw rows may already be deleted. A run covers at most {@link #MAX_HOURS_PER_RUN} hours.
 *
 * @param start the first hour (epoch ms) to (re)compute, or {@code null}: nothing to roll up
 * @param hourEnd the end of the hours computed by this run (exclusive)
 * @param completed the end of the last completed hour at the run's time
 * @param hourDone the watermark after the run, or {@code null} (still no data)
 * @param stillDirty where a capped recomputation continues next run, else {@code null}
 */
record RollupPlan(Long start, long hourEnd, long completed, Long hourDone, Long stillDirty) {

  /**
   * The most hours one run rolls up, so a backlog (the first run over old data, a long outage) is
   * worked off in steps with batch writes in between instead of stalling ingestion.
   */
  static final int MAX_HOURS_PER_RUN = 24;

  /**
   * Plans a run.
   *
   * @param nowMs the run's time
   * @param hourDone the current watermark, {@code null} before the first run
   * @param firstRawHour the hour of the oldest raw reading (only read when {@code hourDone} is
   *     {@code null}; {@code null} if there are none)
   * @param dirtyFrom the oldest hour marked for recomputation, or {@code null}
   */
  static RollupPlan plan(
      long nowMs, Long hourDone, Long firstRawHour, Long dirtyFrom, RetentionPolicy retention) {
    long completed = Math.floorDiv(nowMs, Bucket.HOUR_MS) * Bucket.HOUR_MS;
    Long start;
    if (hourDone == null) {
      start = firstRawHour;
    } else if (dirtyFrom == null) {
      start = hourDone;
    } else {
      Long firstWhole = retention.firstWholeHour(nowMs);
      long dirty = firstWhole == null ? dirtyFrom : Math.max(dirtyFrom, firstWhole);
      start = Math.min(dirty, hourDone);
    }
    long hourEnd =
        start == null ? completed : Math.min(completed, start + MAX_HOURS_PER_RUN * Bucket.HOUR_MS);
    // not one ?: expression: its long branch would unbox a null hourDone (no data yet)
    Long done;
    if (start == null) {
      done = hourDone;
    } else {
      done = hourDone == null ? hourEnd : Math.max(hourDone, hourEnd);
    }
    // a capped recomputation of dirty hours continues where it stopped
    Long stillDirty = hourDone != null && hourEnd < hourDone ? hourEnd : null;
    return new RollupPlan(start, hourEnd, completed, done, stillDirty);
  }

  /** Whether there are hours to (re)compute. */
  boolean hasWork() {
    return start != null && start < hourEnd;
  }

  /** The first day whose daily rollup is recomputed (the day of {@link #start()}). */
  long dayStart() {
    return Math.floorDiv(start, Bucket.DAY_MS) * Bucket.DAY_MS;
  }

  /** The end of the last day recomputed: whole days, hourly rows after hourEnd are complete. */
  long dayEnd() {
    return Math.floorDiv(hourEnd + Bucket.DAY_MS - 1, Bucket.DAY_MS) * Bucket.DAY_MS;
  }

  /** Whether the run reaches the last completed hour; else run again soon. */
  boolean caughtUp() {
    return start == null || hourEnd >= completed;
  }
}
