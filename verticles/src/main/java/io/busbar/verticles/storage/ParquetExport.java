package io.busbar.verticles.storage;

import io.busbar.verticles.storage.TelemetryQueries.Sql;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Writes raw readings to a Parquet file with DuckDB's {@code COPY … TO … (FORMAT PARQUET)}, on the
 * reader connection (query thread only). Columns: tenant, device, metric, ts (TIMESTAMP, UTC), num,
 * txt, bool, quality, unit, topic; sorted by device, metric, ts.
 */
final class ParquetExport {

  private static final String TS = "epoch_ms(CAST(? AS BIGINT))";

  private ParquetExport() {}

  /**
   * Runs the export.
   *
   * @return {@code {path, rows, bytes}}
   * @throws SQLException if DuckDB cannot read or write
   */
  static JsonObject export(Connection reader, ExportRequest request)
      throws SQLException, IOException {
    Sql select =
        new Sql(
            "SELECT tenant, device, metric, ts, num, txt, bool, quality, unit, topic FROM telemetry"
                + " WHERE ts >= "
                + TS
                + " AND ts < "
                + TS,
            request.from(),
            request.to());
    if (request.device() != null) {
      select.and("device = ?", request.device());
    }
    if (request.tenant() != null) {
      select.and("tenant = ?", request.tenant());
    }
    // COPY takes its file name only as a literal, not a parameter: a quoted SQL string, quotes
    // doubled (DuckDB strings have no backslash escapes)
    String target = "'" + request.path().toString().replace("'", "''") + "'";
    Sql copy =
        new Sql("COPY (")
            .append(select)
            .append(" ORDER BY device, metric, ts) TO " + target + " (FORMAT PARQUET)");
    long rows;
    try (PreparedStatement statement = copy.prepare(reader)) {
      statement.execute();
      rows = Math.max(0, statement.getUpdateCount());
    }
    return new JsonObject()
        .put("path", request.path().toString())
        .put("rows", rows)
        .put("bytes", Files.size(request.path()));
  }
}
