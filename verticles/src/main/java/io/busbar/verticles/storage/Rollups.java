package io.busbar.verticles.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The maintenance job: compacts raw numeric readings into hourly and daily rollups ({@code n,
 * total, lo, hi, last_value, last_ts} per tenant/device/metric/bucket), then deletes raw rows past
 * their tenant's retention. Writer thread only, between batches, so it never runs beside a write.
 *
 * <p>Only completed hours are rolled up; {@code rollup_state.hour_done} is the end of the last one.
 * A batch holding a reading older than that marks its hour in {@code dirty_from} (in the same
 * transaction), and the next run recomputes from there, so late readings reach the rollups too —
 * unless they are older than the shortest retention, whose hours may already be partly deleted. Raw
 * rows are deleted only once rolled up ({@code ts < hour_done}).
 */
final class Rollups {

  static final String STATE_DDL =
      "CREATE TABLE IF NOT EXISTS rollup_state (hour_done TIMESTAMP, dirty_from TIMESTAMP)";

  static String rollupDdl(String table) {
    return "CREATE TABLE IF NOT EXISTS "
        + table
        + " (tenant VARCHAR NOT NULL, device VARCHAR NOT NULL, metric VARCHAR NOT NULL,"
        + " bucket TIMESTAMP NOT NULL, n BIGINT NOT NULL, total DOUBLE, lo DOUBLE, hi DOUBLE,"
        + " last_value DOUBLE, last_ts TIMESTAMP)";
  }

  private static final String TS = "epoch_ms(CAST(? AS BIGINT))";

  /**
   * What one run did.
   *
   * @param hourlyRows rows (re)written to {@code telemetry_1h}
   * @param dailyRows rows (re)written to {@code telemetry_1d}
   * @param deletedReadings raw readings deleted past retention
   * @param deletedDeadLetters dead letters deleted past retention
   * @param caughtUp {@code false} if the run stopped at {@link #MAX_HOURS_PER_RUN} and more hours
   *     wait: run again soon
   */
  record Result(
      long hourlyRows,
      long dailyRows,
      long deletedReadings,
      long deletedDeadLetters,
      boolean caughtUp) {}

  /** The most hours one run rolls up ({@link RollupPlan#MAX_HOURS_PER_RUN}). */
  static final int MAX_HOURS_PER_RUN = RollupPlan.MAX_HOURS_PER_RUN;

  private final Connection writer;
  // cache of rollup_state.hour_done, so a write can tell a late reading without a query
  private Long hourDone;

  private Rollups(Connection writer, Long hourDone) {
    this.writer = writer;
    this.hourDone = hourDone;
  }

  /** Creates the tables if missing and reads the watermark. */
  static Rollups open(Connection writer) throws SQLException {
    try (Statement statement = writer.createStatement()) {
      statement.execute(rollupDdl("telemetry_1h"));
      statement.execute(rollupDdl("telemetry_1d"));
      statement.execute(STATE_DDL);
      statement.execute(
          "INSERT INTO rollup_state SELECT NULL, NULL"
              + " WHERE NOT EXISTS (SELECT 1 FROM rollup_state)");
    }
    return new Rollups(writer, hourDone(writer));
  }

  /** The end of the last rolled-up hour (epoch ms), or {@code null} before the first run. */
  static Long hourDone(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT epoch_ms(hour_done) FROM rollup_state")) {
      if (!rows.next()) {
        return null;
      }
      long value = rows.getLong(1);
      return rows.wasNull() ? null : value;
    }
  }

  /**
   * Marks the hour of {@code oldestTs} for recomputation if it is already rolled up. Call inside
   * the batch's transaction.
   */
  void noteWritten(long oldestTs) throws SQLException {
    if (hourDone == null || oldestTs >= hourDone) {
      return;
    }
    long hour = Math.floorDiv(oldestTs, Bucket.HOUR_MS) * Bucket.HOUR_MS;
    try (PreparedStatement statement =
        writer.prepareStatement(
            "UPDATE rollup_state SET dirty_from = least(coalesce(dirty_from, "
                + TS
                + "), "
                + TS
                + ")")) {
      statement.setLong(1, hour);
      statement.setLong(2, hour);
      statement.executeUpdate();
    }
  }

  /**
   * Rolls up every completed hour not yet rolled up (or marked dirty), then applies retention.
   *
   * @param nowMs the current time, epoch ms
   */
  Result run(long nowMs, StorageConfig config) throws SQLException {
    RetentionPolicy retention = RetentionPolicy.of(config.rawRetention(), config.tenantRetention());
    RollupPlan plan =
        RollupPlan.plan(
            nowMs,
            hourDone,
            hourDone == null
                ? queryLong("SELECT epoch_ms(date_trunc('hour', min(ts))) FROM telemetry")
                : null,
            hourDone == null ? null : queryLong("SELECT epoch_ms(dirty_from) FROM rollup_state"),
            retention);
    long hourly = 0;
    long daily = 0;
    try (Statement tx = writer.createStatement()) {
      tx.execute("BEGIN TRANSACTION");
      try {
        if (plan.hasWork()) {
          update(
              "DELETE FROM telemetry_1h WHERE bucket >= " + TS + " AND bucket < " + TS,
              plan.start(),
              plan.hourEnd());
          hourly =
              update(
                  "INSERT INTO telemetry_1h SELECT tenant, device, metric, date_trunc('hour', ts),"
                      + " count(*), sum(num), min(num), max(num), arg_max(num, ts), max(ts)"
                      + " FROM telemetry WHERE ts >= "
                      + TS
                      + " AND ts < "
                      + TS
                      + " AND num IS NOT NULL GROUP BY ALL",
                  plan.start(),
                  plan.hourEnd());
          update(
              "DELETE FROM telemetry_1d WHERE bucket >= " + TS + " AND bucket < " + TS,
              plan.dayStart(),
              plan.dayEnd());
          daily =
              update(
                  "INSERT INTO telemetry_1d SELECT tenant, device, metric, date_trunc('day', bucket),"
                      + " sum(n), sum(total), min(lo), max(hi), arg_max(last_value, last_ts),"
                      + " max(last_ts) FROM telemetry_1h WHERE bucket >= "
                      + TS
                      + " AND bucket < "
                      + TS
                      + " GROUP BY ALL",
                  plan.dayStart(),
                  plan.dayEnd());
        }
        if (plan.hourDone() != null) {
          update(
              "UPDATE rollup_state SET hour_done = " + TS + ", dirty_from = " + TS,
              plan.hourDone(),
              plan.stillDirty());
        }
        tx.execute("COMMIT");
        hourDone = plan.hourDone();
      } catch (SQLException | RuntimeException e) {
        try {
          tx.execute("ROLLBACK");
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
    }
    long[] deleted = applyRetention(nowMs, retention);
    return new Result(hourly, daily, deleted[0], deleted[1], plan.caughtUp());
  }

  /**
   * Deletes raw rows past retention (never before they are rolled up); returns {readings, letters}.
   */
  private long[] applyRetention(long nowMs, RetentionPolicy retention) throws SQLException {
    long readings = 0;
    long letters = 0;
    for (RetentionPolicy.Cut cut : retention.cuts(nowMs)) {
      StringBuilder which = new StringBuilder();
      List<Object> params = new ArrayList<>();
      if (cut.tenant() != null) {
        which.append(" AND tenant = ?");
        params.add(cut.tenant());
      } else if (!cut.except().isEmpty()) {
        which.append(" AND tenant NOT IN (");
        for (String tenant : cut.except()) {
          which.append(params.isEmpty() ? "?" : ", ?");
          params.add(tenant);
        }
        which.append(')');
      }
      Long readingsHorizon = cut.readingsHorizon(hourDone);
      if (readingsHorizon != null) {
        List<Object> p = new ArrayList<>();
        p.add(readingsHorizon);
        p.addAll(params);
        readings += update("DELETE FROM telemetry WHERE ts < " + TS + which, p.toArray());
      }
      List<Object> p = new ArrayList<>();
      p.add(cut.horizon());
      p.addAll(params);
      letters += update("DELETE FROM dead_letters WHERE received_at < " + TS + which, p.toArray());
    }
    return new long[] {readings, letters};
  }

  private long update(String sql, Object... params) throws SQLException {
    try (PreparedStatement statement = writer.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      return statement.executeUpdate();
    }
  }

  private Long queryLong(String sql) throws SQLException {
    try (Statement statement = writer.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      if (!rows.next()) {
        return null;
      }
      long value = rows.getLong(1);
      return rows.wasNull() ? null : value;
    }
  }
}
