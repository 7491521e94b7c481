package io.busbar.verticles.storage;

import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Value;
import io.busbar.security.audit.AuditEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * The DuckDB database behind the {@link StorageVerticle}: schema, batch writes and queries.
 *
 * <p>Tables: {@code telemetry} (raw readings, in arrival order), {@code dead_letters}, {@code
 * audit} (security decisions from {@code busbar.audit}), the rollups {@code telemetry_1h} and
 * {@code telemetry_1d} and {@code rollup_state} ({@link Rollups}).
 *
 * <p>No index on {@code telemetry}: measured on 10 M rows (200 devices × 5 metrics over two days),
 * a one-day, one-minute-bucket query for one device takes about 15 ms by a sequential scan that
 * DuckDB's zone maps on {@code ts} (rows arrive roughly in time order) and its
 * dictionary-compressed {@code device} column keep cheap; an ART index on {@code (device, metric,
 * ts)} was not used by the planner for such a range query at all, and costs memory and append
 * speed.
 *
 * <p>Two connections to one database: the writer connection is used only by the storage writer
 * thread, the reader connection (a {@link DuckDBConnection#duplicate() duplicate}) only by the
 * query thread, so a slow query never holds up ingestion. DuckDB's MVCC gives each query a
 * consistent snapshot of committed batches.
 *
 * <p>Times are stored as {@code TIMESTAMP} (UTC, no zone, millisecond values) rather than epoch-ms
 * {@code BIGINT}, so SQL rollups can use {@code time_bucket} and {@code date_trunc}; they are
 * converted back with {@code epoch_ms(ts)}.
 */
final class TelemetryStore {

  static final String TELEMETRY_DDL =
      """
      CREATE TABLE IF NOT EXISTS telemetry (
        tenant  VARCHAR   NOT NULL,
        device  VARCHAR   NOT NULL,
        metric  VARCHAR   NOT NULL,
        ts      TIMESTAMP NOT NULL,
        num     DOUBLE,
        txt     VARCHAR,
        bool    BOOLEAN,
        quality VARCHAR   NOT NULL,
        unit    VARCHAR,
        topic   VARCHAR   NOT NULL
      )""";

  static final String DEAD_LETTERS_DDL =
      """
      CREATE TABLE IF NOT EXISTS dead_letters (
        tenant      VARCHAR   NOT NULL,
        device      VARCHAR   NOT NULL,
        topic       VARCHAR   NOT NULL,
        reason      VARCHAR   NOT NULL,
        payload     BLOB      NOT NULL,
        received_at TIMESTAMP NOT NULL
      )""";

  static final String AUDIT_DDL =
      """
      CREATE TABLE IF NOT EXISTS audit (
        time     TIMESTAMP NOT NULL,
        tenant   VARCHAR,
        subject  VARCHAR,
        action   VARCHAR   NOT NULL,
        resource VARCHAR,
        decision VARCHAR   NOT NULL,
        reason   VARCHAR,
        source   VARCHAR
      )""";

  private final DuckDBConnection writer;
  private final Connection reader;
  private final Rollups rollups;

  private TelemetryStore(DuckDBConnection writer, Connection reader, Rollups rollups) {
    this.writer = writer;
    this.reader = reader;
    this.rollups = rollups;
  }

  /**
   * Opens (or creates) the database and its tables. Blocking: call on the writer thread.
   *
   * @throws IOException if the data directory cannot be created
   * @throws SQLException if DuckDB cannot open the file (e.g. another process holds its lock)
   */
  static TelemetryStore open(StorageConfig config) throws IOException, SQLException {
    if (config.dataDir() != null) {
      Files.createDirectories(config.dataDir());
    }
    // the driver directly, not DriverManager: a shaded jar may lose META-INF/services
    DuckDBConnection writer =
        (DuckDBConnection) new DuckDBDriver().connect(config.jdbcUrl(), new Properties());
    try (Statement statement = writer.createStatement()) {
      statement.execute(TELEMETRY_DDL);
      statement.execute(DEAD_LETTERS_DDL);
      statement.execute(AUDIT_DDL);
      Rollups rollups = Rollups.open(writer);
      return new TelemetryStore(writer, writer.duplicate(), rollups);
    } catch (SQLException e) {
      writer.close();
      throw e;
    }
  }

  /**
   * Appends the events and dead letters in one transaction: either all are stored or none. Events
   * whose timestamp DuckDB cannot hold are skipped so they cannot fail the whole batch. Writer
   * thread only.
   *
   * @return the number of events skipped for an unstorable timestamp
   * @throws SQLException if the batch could not be written; it was rolled back
   */
  int write(List<Event> events, List<DeadLetter> deadLetters) throws SQLException {
    return write(events, deadLetters, List.of());
  }

  /** As {@link #write(List, List)}, with audit events in the same transaction. */
  int write(List<Event> events, List<DeadLetter> deadLetters, List<AuditEvent> audits)
      throws SQLException {
    int skipped = 0;
    try (Statement statement = writer.createStatement()) {
      statement.execute("BEGIN TRANSACTION");
      try {
        if (!events.isEmpty()) {
          skipped = appendEvents(events);
          long oldest = Long.MAX_VALUE;
          for (Event event : events) {
            if (TelemetryQuery.inRange(event.timestamp())) {
              oldest = Math.min(oldest, event.timestamp());
            }
          }
          if (oldest != Long.MAX_VALUE) {
            rollups.noteWritten(oldest);
          }
        }
        if (!deadLetters.isEmpty()) {
          appendDeadLetters(deadLetters);
        }
        if (!audits.isEmpty()) {
          appendAudits(audits);
        }
        statement.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        try {
          statement.execute("ROLLBACK");
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
    }
    return skipped;
  }

  private int appendEvents(List<Event> events) throws SQLException {
    int skipped = 0;
    try (DuckDBAppender appender =
        writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "telemetry")) {
      for (Event event : events) {
        if (!TelemetryQuery.inRange(event.timestamp())) {
          skipped++;
          continue;
        }
        appender.beginRow();
        appender.append(event.tenant());
        appender.append(event.deviceId());
        appender.append(event.metric());
        appender.appendEpochMicros(event.timestamp() * 1000); // TIMESTAMP holds microseconds
        // one of num / txt / bool is set, the others are NULL; since duckdb_jdbc 1.4 these (and
        // short strings) are written into the Java-side data chunk, not through one JNI call each
        Value value = event.value();
        if (value instanceof Value.Numeric numeric) {
          appender.append(numeric.value()).appendNull().appendNull();
        } else if (value instanceof Value.Text text) {
          appender.appendNull().append(text.value()).appendNull();
        } else if (value instanceof Value.Bool bool) {
          appender.appendNull().appendNull().append(bool.value());
        } else {
          appender.appendNull().appendNull().appendNull();
        }
        appender.append(event.quality().name());
        if (event.unit() == null) {
          appender.appendNull();
        } else {
          appender.append(event.unit());
        }
        appender.append(event.sourceTopic());
        appender.endRow();
      }
    }
    return skipped;
  }

  private void appendDeadLetters(List<DeadLetter> deadLetters) throws SQLException {
    try (DuckDBAppender appender =
        writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "dead_letters")) {
      for (DeadLetter letter : deadLetters) {
        long receivedAt =
            TelemetryQuery.inRange(letter.receivedAt())
                ? letter.receivedAt()
                : System.currentTimeMillis();
        appender.beginRow();
        appender.append(letter.tenant());
        appender.append(letter.deviceId());
        appender.append(letter.topic());
        appender.append(letter.reason());
        appender.append(letter.payload());
        appender.appendEpochMicros(receivedAt * 1000);
        appender.endRow();
      }
    }
  }

  private void appendAudits(List<AuditEvent> audits) throws SQLException {
    try (DuckDBAppender appender =
        writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "audit")) {
      for (AuditEvent e : audits) {
        long time = e.time().toEpochMilli();
        appender.beginRow();
        appender.appendEpochMicros(
            1000 * (TelemetryQuery.inRange(time) ? time : System.currentTimeMillis()));
        appender.append(e.tenant());
        appender.append(e.subject());
        appender.append(e.action().name());
        appender.append(e.resource());
        appender.append(e.decision().name());
        appender.append(e.reason());
        appender.append(e.source());
        appender.endRow();
      }
    }
  }

  /**
   * The latest audit events, newest first, as {@link AuditEvent#toJson()} objects. Query thread
   * only.
   */
  JsonArray audit(AuditQuery query) throws SQLException {
    StringBuilder sql =
        new StringBuilder(
            "SELECT epoch_ms(time), tenant, subject, action, resource, decision, reason, source"
                + " FROM audit WHERE true");
    List<Object> params = new ArrayList<>();
    if (query.tenant() != null) {
      sql.append(" AND tenant = ?");
      params.add(query.tenant());
    }
    if (query.subject() != null) {
      sql.append(" AND subject = ?");
      params.add(query.subject());
    }
    sql.append(" ORDER BY time DESC LIMIT ?");
    params.add(query.limit());
    JsonArray out = new JsonArray();
    try (PreparedStatement statement = reader.prepareStatement(sql.toString())) {
      bind(statement, params);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          JsonObject json =
              new JsonObject()
                  .put("time", rows.getLong(1))
                  .put("action", rows.getString(4))
                  .put("decision", rows.getString(6));
          putIfPresent(json, "tenant", rows.getString(2));
          putIfPresent(json, "subject", rows.getString(3));
          putIfPresent(json, "resource", rows.getString(5));
          putIfPresent(json, "reason", rows.getString(7));
          putIfPresent(json, "source", rows.getString(8));
          out.add(json);
        }
      }
    }
    return out;
  }

  private static void putIfPresent(JsonObject json, String name, String value) {
    if (value != null) {
      json.put(name, value);
    }
  }

  /** One page of readings, buckets or latest values, oldest first. Query thread only. */
  TelemetryPage telemetry(TelemetryQuery query) throws SQLException {
    return TelemetryQueries.run(reader, query);
  }

  /**
   * Writes the readings of the request's window to its Parquet file. Query thread only.
   *
   * @return {@code {path, rows, bytes}}
   */
  JsonObject export(ExportRequest request) throws SQLException, IOException {
    return ParquetExport.export(reader, request);
  }

  /** Rolls up completed hours and applies retention. Writer thread only, between batches. */
  Rollups.Result maintain(long nowMs, StorageConfig config) throws SQLException {
    return rollups.run(nowMs, config);
  }

  /**
   * The latest dead letters, newest first, as {@code {tenant, device, topic, reason, payload,
   * payloadText, receivedAt}}. Query thread only.
   */
  JsonArray deadLetters(DeadLetterQuery query) throws SQLException {
    String sql =
        "SELECT tenant, device, topic, reason, payload, epoch_ms(received_at) FROM dead_letters"
            + (query.tenant() != null ? " WHERE tenant = ?" : "")
            + " ORDER BY received_at DESC LIMIT ?";
    List<Object> params = new ArrayList<>();
    if (query.tenant() != null) {
      params.add(query.tenant());
    }
    params.add(query.limit());
    JsonArray letters = new JsonArray();
    try (PreparedStatement statement = reader.prepareStatement(sql)) {
      bind(statement, params);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          letters.add(
              StorageReplies.deadLetter(
                  rows.getString(1),
                  rows.getString(2),
                  rows.getString(3),
                  rows.getString(4),
                  blob(rows, 5),
                  rows.getLong(6)));
        }
      }
    }
    return letters;
  }

  /** Closes the reader connection. Query thread only, after the last query. */
  void closeReader() throws SQLException {
    reader.close();
  }

  /** Closes the writer connection and with it the database. Writer thread only, after the drain. */
  void closeWriter() throws SQLException {
    writer.close();
  }

  private static void bind(PreparedStatement statement, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      statement.setObject(i + 1, params.get(i));
    }
  }

  private static byte[] blob(ResultSet rows, int column) throws SQLException {
    java.sql.Blob blob = rows.getBlob(column);
    return blob == null ? new byte[0] : blob.getBytes(1, (int) blob.length());
  }
}
