package io.busbar.verticles.storage;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * Parquet export for the PostgreSQL store: the window's readings are read from PostgreSQL through a
 * cursor, {@link #CHUNK_ROWS} at a time, appended into an in-memory DuckDB table of the DuckDB
 * store's {@code telemetry} layout on a worker thread, and written by the same {@link
 * ParquetExport} as the DuckDB store uses — so the file has the same columns, types and order
 * whichever store wrote it.
 *
 * <p>Threads: cursor reads run on the calling verticle's context; every DuckDB call runs on the
 * given worker (one thread, tasks in order). The next chunk is read only once the previous one is
 * appended, so at most one chunk is in flight. The in-memory table holds the whole window until the
 * file is written (DuckDB compresses it; about 30 bytes per reading).
 */
final class PostgresParquetExport {

  /** Rows fetched from PostgreSQL per cursor read. */
  static final int CHUNK_ROWS = 10_000;

  private PostgresParquetExport() {}

  /**
   * Runs the export.
   *
   * @return {@code {path, rows, bytes}}; fails with the driver's exception, or DuckDB's {@link
   *     SQLException} if the file cannot be written
   */
  static Future<JsonObject> export(Pool pool, WorkerExecutor worker, ExportRequest request) {
    return worker
        .executeBlocking(PostgresParquetExport::openDuck, true)
        .compose(
            duck ->
                pool.withTransaction(
                        conn ->
                            conn.prepare(select(request).toString())
                                .compose(
                                    statement -> {
                                      Cursor cursor = statement.cursor(select(request).params());
                                      return copy(cursor, worker, duck)
                                          .eventually(cursor::close)
                                          .eventually(statement::close);
                                    }))
                    .compose(
                        v ->
                            worker.executeBlocking(() -> ParquetExport.export(duck, request), true))
                    .eventually(
                        () ->
                            worker.executeBlocking(
                                () -> {
                                  duck.close();
                                  return null;
                                },
                                true)));
  }

  private static DuckDBConnection openDuck() throws SQLException {
    // the driver directly, not DriverManager: a shaded jar may lose META-INF/services
    DuckDBConnection duck =
        (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:", new Properties());
    try (Statement statement = duck.createStatement()) {
      statement.execute(TelemetryStore.TELEMETRY_DDL);
    } catch (SQLException e) {
      duck.close();
      throw e;
    }
    return duck;
  }

  /** The window's readings in file order; every value a parameter. */
  private static PgSql select(ExportRequest request) {
    PgSql sql =
        new PgSql(
                "SELECT tenant, device, metric, ts, num, txt, bool, quality, unit, topic"
                    + " FROM telemetry WHERE ts >= ")
            .param(PgSql.utc(request.from()))
            .append(" AND ts < ")
            .param(PgSql.utc(request.to()));
    if (request.device() != null) {
      sql.append(" AND device = ").param(request.device());
    }
    if (request.tenant() != null) {
      sql.append(" AND tenant = ").param(request.tenant());
    }
    return sql.append(" ORDER BY device, metric, ts");
  }

  /** Reads a chunk, appends it on the worker, and so on until the cursor is done. */
  private static Future<Void> copy(Cursor cursor, WorkerExecutor worker, DuckDBConnection duck) {
    return cursor
        .read(CHUNK_ROWS)
        .compose(
            rows -> {
              List<Object[]> chunk = chunk(rows);
              boolean more = cursor.hasMore();
              return worker
                  .executeBlocking(() -> append(duck, chunk), true)
                  .compose(v -> more ? copy(cursor, worker, duck) : Future.succeededFuture());
            });
  }

  private static List<Object[]> chunk(RowSet<Row> rows) {
    List<Object[]> chunk = new ArrayList<>(rows.size());
    for (Row row : rows) {
      chunk.add(
          new Object[] {
            row.getString(0),
            row.getString(1),
            row.getString(2),
            LocalDateTime.ofInstant(row.getOffsetDateTime(3).toInstant(), ZoneOffset.UTC),
            row.getDouble(4),
            row.getString(5),
            row.getBoolean(6),
            row.getString(7),
            row.getString(8),
            row.getString(9)
          });
    }
    return chunk;
  }

  /** Worker thread only. */
  private static Void append(DuckDBConnection duck, List<Object[]> chunk) throws SQLException {
    try (DuckDBAppender appender =
        duck.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "telemetry")) {
      for (Object[] r : chunk) {
        appender.beginRow();
        appender.append((String) r[0]);
        appender.append((String) r[1]);
        appender.append((String) r[2]);
        appender.append((LocalDateTime) r[3]);
        if (r[4] instanceof Double num) {
          appender.append(num.doubleValue());
        } else {
          appender.appendNull();
        }
        appender.append((String) r[5]);
        if (r[6] instanceof Boolean bool) {
          appender.append(bool.booleanValue());
        } else {
          appender.appendNull();
        }
        appender.append((String) r[7]);
        appender.append((String) r[8]);
        appender.append((String) r[9]);
        appender.endRow();
      }
    }
    return null;
  }
}
