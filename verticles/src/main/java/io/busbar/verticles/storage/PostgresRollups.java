package io.busbar.verticles.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;

/**
 * Rollups and retention of the PostgreSQL store: the same tables, plan ({@link RollupPlan}) and
 * retention ({@link RetentionPolicy}) as the DuckDB store's {@link Rollups}, in PostgreSQL SQL and
 * safe with several nodes writing one database. Non-blocking; futures complete on the caller's
 * context.
 *
 * <p>Concurrency, which the DuckDB store gets from its single writer thread: every write
 * transaction holds {@link #ROLLUP_LOCK} shared (an advisory lock) and marks a late reading's hour
 * in {@code rollup_state.dirty_from} under it; a rollup transaction holds it exclusively, so it
 * sees every write that committed before it and every write after it sees its new watermark — no
 * reading slips between the two. Only one node runs maintenance at a time ({@link
 * #MAINTENANCE_LOCK}, tried, not waited for: a node that finds it taken skips its run).
 *
 * <p>Times are bucketed with {@code date_bin} from the origin of {@link Bucket}, so hours and days
 * are UTC whatever the session's time zone.
 */
final class PostgresRollups {

  /** Held shared by writes, exclusively by a rollup transaction. */
  static final long ROLLUP_LOCK = 0x6275736261725231L;

  /** Held by the one node whose maintenance run is going on. */
  static final long MAINTENANCE_LOCK = 0x627573626172524dL;

  static final String STATE_DDL =
      "CREATE TABLE IF NOT EXISTS rollup_state (hour_done timestamptz, dirty_from timestamptz)";

  static final String STATE_ROW =
      "INSERT INTO rollup_state SELECT NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM rollup_state)";

  /** The rollup table {@code table} (a constant) and its index by device and bucket. */
  static List<String> rollupDdl(String table) {
    return List.of(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (tenant text NOT NULL, device text NOT NULL, metric text NOT NULL,"
            + " bucket timestamptz NOT NULL, n bigint NOT NULL, total double precision,"
            + " lo double precision, hi double precision, last_value double precision,"
            + " last_ts timestamptz)",
        "CREATE INDEX IF NOT EXISTS " + table + "_device_bucket ON " + table + " (device, bucket)");
  }

  private static final String HOUR = "interval '1 hour'";
  private static final String DAY = "interval '1 day'";

  private PostgresRollups() {}

  /** Creates the rollup tables and the state row if missing; inside the schema transaction. */
  static Future<Void> createSchema(SqlClient conn) {
    Future<Void> chain = Future.succeededFuture();
    for (String table : List.of("telemetry_1h", "telemetry_1d")) {
      for (String ddl : rollupDdl(table)) {
        chain = chain.compose(v -> run(conn, ddl));
      }
    }
    return chain.compose(v -> run(conn, STATE_DDL)).compose(v -> run(conn, STATE_ROW));
  }

  /**
   * In a write transaction, before anything else: waits while a rollup transaction runs.
   *
   * @return fails with the driver's exception
   */
  static Future<Void> lockForWrite(SqlConnection conn) {
    return run(conn, "SELECT pg_advisory_xact_lock_shared(" + ROLLUP_LOCK + ")");
  }

  /**
   * In a write transaction holding {@link #lockForWrite}: marks the hour of the batch's oldest
   * reading for recomputation if it is already rolled up.
   */
  static Future<Void> noteWritten(SqlConnection conn, long oldestTs) {
    long hour = Math.floorDiv(oldestTs, Bucket.HOUR_MS) * Bucket.HOUR_MS;
    return conn.preparedQuery(
            "UPDATE rollup_state SET dirty_from = least(coalesce(dirty_from, $1), $1)"
                + " WHERE hour_done IS NOT NULL AND $2 < hour_done")
        .execute(io.vertx.sqlclient.Tuple.of(PgSql.utc(hour), PgSql.utc(oldestTs)))
        .mapEmpty();
  }

  /**
   * One maintenance pass: rolls up at most {@link RollupPlan#MAX_HOURS_PER_RUN} hours, then applies
   * retention. If another node's pass is running, this one does nothing and reports itself caught
   * up (that node does the work).
   *
   * @return what was done; fails with the driver's exception (the rollup transaction rolled back)
   */
  static Future<Rollups.Result> run(Pool pool, long nowMs, RetentionPolicy retention) {
    return pool.withTransaction(conn -> rollup(conn, nowMs, retention))
        .compose(
            rolled -> {
              if (rolled == null) {
                return Future.succeededFuture(new Rollups.Result(0, 0, 0, 0, true));
              }
              return pool.withTransaction(conn -> applyRetention(conn, nowMs, retention))
                  .map(
                      deleted ->
                          new Rollups.Result(
                              rolled[0],
                              rolled[1],
                              deleted == null ? 0 : deleted[0],
                              deleted == null ? 0 : deleted[1],
                              rolled[2] == 1));
            });
  }

  /** {hourly rows, daily rows, caught up 1/0}, or {@code null} if another node is maintaining. */
  private static Future<long[]> rollup(SqlConnection conn, long nowMs, RetentionPolicy retention) {
    return tryMaintenanceLock(conn)
        .compose(
            mine -> {
              if (!mine) {
                return Future.succeededFuture(null);
              }
              return run(conn, "SELECT pg_advisory_xact_lock(" + ROLLUP_LOCK + ")")
                  .compose(
                      v ->
                          conn.query(
                                  "SELECT hour_done, dirty_from, CASE WHEN hour_done IS NULL THEN"
                                      + " (SELECT date_bin("
                                      + HOUR
                                      + ", min(ts), "
                                      + PgSql.ORIGIN
                                      + ") FROM telemetry) END FROM rollup_state")
                              .execute())
                  .compose(
                      rows -> {
                        Row state = rows.iterator().next();
                        RollupPlan plan =
                            RollupPlan.plan(
                                nowMs,
                                PgSql.epochMsOrNull(state, 0),
                                PgSql.epochMsOrNull(state, 2),
                                PgSql.epochMsOrNull(state, 1),
                                retention);
                        return compute(conn, plan)
                            .compose(
                                counts ->
                                    saveState(conn, plan)
                                        .map(
                                            v ->
                                                new long[] {
                                                  counts[0], counts[1], plan.caughtUp() ? 1 : 0
                                                }));
                      });
            });
  }

  private static Future<long[]> compute(SqlConnection conn, RollupPlan plan) {
    if (!plan.hasWork()) {
      return Future.succeededFuture(new long[] {0, 0});
    }
    long[] counts = new long[2];
    return update(
            conn,
            "DELETE FROM telemetry_1h WHERE bucket >= $1 AND bucket < $2",
            plan.start(),
            plan.hourEnd())
        .compose(
            v ->
                update(
                    conn,
                    "INSERT INTO telemetry_1h (tenant, device, metric, bucket, n, total, lo, hi,"
                        + " last_value, last_ts) SELECT tenant, device, metric, date_bin("
                        + HOUR
                        + ", ts, "
                        + PgSql.ORIGIN
                        + "), count(*), sum(num), min(num), max(num),"
                        + " (array_agg(num ORDER BY ts DESC))[1], max(ts) FROM telemetry"
                        + " WHERE ts >= $1 AND ts < $2 AND num IS NOT NULL GROUP BY 1, 2, 3, 4",
                    plan.start(),
                    plan.hourEnd()))
        .compose(
            hourly -> {
              counts[0] = hourly;
              return update(
                  conn,
                  "DELETE FROM telemetry_1d WHERE bucket >= $1 AND bucket < $2",
                  plan.dayStart(),
                  plan.dayEnd());
            })
        .compose(
            v ->
                update(
                    conn,
                    "INSERT INTO telemetry_1d (tenant, device, metric, bucket, n, total, lo, hi,"
                        + " last_value, last_ts) SELECT tenant, device, metric, date_bin("
                        + DAY
                        + ", bucket, "
                        + PgSql.ORIGIN
                        + "), sum(n), sum(total), min(lo), max(hi),"
                        + " (array_agg(last_value ORDER BY last_ts DESC))[1], max(last_ts)"
                        + " FROM telemetry_1h WHERE bucket >= $1 AND bucket < $2"
                        + " GROUP BY 1, 2, 3, 4",
                    plan.dayStart(),
                    plan.dayEnd()))
        .map(
            daily -> {
              counts[1] = daily;
              return counts;
            });
  }

  private static Future<Void> saveState(SqlConnection conn, RollupPlan plan) {
    if (plan.hourDone() == null) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery("UPDATE rollup_state SET hour_done = $1, dirty_from = $2")
        .execute(
            io.vertx.sqlclient.Tuple.of(
                PgSql.utc(plan.hourDone()),
                plan.stillDirty() == null ? null : PgSql.utc(plan.stillDirty())))
        .mapEmpty();
  }

  /**
   * Deletes raw rows past retention (readings only once rolled up); {readings, letters}, or {@code
   * null} if another node is maintaining.
   */
  private static Future<long[]> applyRetention(
      SqlConnection conn, long nowMs, RetentionPolicy retention) {
    List<RetentionPolicy.Cut> cuts = retention.cuts(nowMs);
    if (cuts.isEmpty()) {
      return Future.succeededFuture(new long[] {0, 0});
    }
    long[] deleted = new long[2];
    return tryMaintenanceLock(conn)
        .compose(
            mine -> {
              if (!mine) {
                return Future.succeededFuture(null);
              }
              return conn.query("SELECT hour_done FROM rollup_state")
                  .execute()
                  .compose(
                      rows -> {
                        Long hourDone = PgSql.epochMsOrNull(rows.iterator().next(), 0);
                        Future<Void> chain = Future.succeededFuture();
                        for (RetentionPolicy.Cut cut : cuts) {
                          Long readingsHorizon = cut.readingsHorizon(hourDone);
                          if (readingsHorizon != null) {
                            chain =
                                chain.compose(
                                    v ->
                                        delete(conn, "telemetry", "ts", cut, readingsHorizon)
                                            .map(
                                                n -> {
                                                  deleted[0] += n;
                                                  return null;
                                                }));
                          }
                          chain =
                              chain.compose(
                                  v ->
                                      delete(
                                              conn,
                                              "dead_letters",
                                              "received_at",
                                              cut,
                                              cut.horizon())
                                          .map(
                                              n -> {
                                                deleted[1] += n;
                                                return null;
                                              }));
                        }
                        return chain.map(v -> deleted);
                      });
            });
  }

  /** {@code table} and {@code column} are constants. */
  private static Future<Long> delete(
      SqlConnection conn, String table, String column, RetentionPolicy.Cut cut, long horizon) {
    PgSql sql =
        new PgSql("DELETE FROM " + table + " WHERE " + column + " < ").param(PgSql.utc(horizon));
    if (cut.tenant() != null) {
      sql.append(" AND tenant = ").param(cut.tenant());
    } else if (!cut.except().isEmpty()) {
      sql.append(" AND NOT (tenant = ANY(").param(cut.except().toArray(String[]::new)).append("))");
    }
    return sql.execute(conn).map(rows -> (long) rows.rowCount());
  }

  private static Future<Boolean> tryMaintenanceLock(SqlConnection conn) {
    return conn.query("SELECT pg_try_advisory_xact_lock(" + MAINTENANCE_LOCK + ")")
        .execute()
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  private static Future<Long> update(SqlConnection conn, String sql, long from, long to) {
    return conn.preparedQuery(sql)
        .execute(io.vertx.sqlclient.Tuple.of(PgSql.utc(from), PgSql.utc(to)))
        .map(rows -> (long) rows.rowCount());
  }

  private static Future<Void> run(SqlClient client, String sql) {
    return client.query(sql).execute().mapEmpty();
  }
}
