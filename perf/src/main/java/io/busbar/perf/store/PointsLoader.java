package io.busbar.perf.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.duckdb.DuckDBDriver;

/**
 * Fills a node's store file with synthetic readings straight through DuckDB, before the node opens
 * it: ten million points through MQTT would take minutes on a small machine, here they take
 * seconds.
 *
 * <p>The {@code telemetry} table is created with the node's schema, copied here (not imported: the
 * benchmark may not depend on the storage verticle) from {@code TelemetryStore.TELEMETRY_DDL}; if
 * the two drift apart, the node fails to read the file and the benchmark says so. Rows are inserted
 * in time order (all devices and metrics of one instant, then the next), as live ingestion would
 * append them, so DuckDB's zone maps on {@code ts} work as they do in production. Tenant {@code
 * default}, quality {@code GOOD}, numeric values, no unit.
 */
public final class PointsLoader {

  /** Copy of the node's telemetry schema (TelemetryStore.TELEMETRY_DDL). */
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

  /**
   * The shape of the data: {@code devices × metrics} series over {@code days} days ending at {@code
   * endMs}, {@code points} readings in all (rounded down to whole instants).
   */
  public record Layout(long points, int devices, int metrics, int days, long endMs) {
    public Layout {
      if (points < (long) devices * metrics || devices < 1 || metrics < 1 || days < 1) {
        throw new IllegalArgumentException(
            "need points >= devices × metrics >= 1 and days >= 1: " + this);
      }
    }

    /** Instants per series. */
    public long instants() {
      return points / ((long) devices * metrics);
    }

    /** Milliseconds between two readings of one series. */
    public long stepMs() {
      return days * 86_400_000L / instants();
    }

    public long startMs() {
      return endMs - instants() * stepMs();
    }
  }

  /** What was loaded. */
  public record Loaded(long rows, double seconds, long fileBytes) {}

  private PointsLoader() {}

  /**
   * A baseline for the REST figures: the one-day, one-minute-bucket average of one metric of one
   * device, written by hand (close to, not the same as, the node's own SQL) and run straight on the
   * file through JDBC in this JVM, {@code repetitions} times rotating over the devices, after two
   * unrecorded runs. Call before a node opens the file.
   *
   * @return the latencies in microseconds
   */
  public static Histogram timeDayQuery(Path databaseFile, Layout layout, int repetitions)
      throws SQLException {
    Histogram micros = new Histogram(TimeUnit.MINUTES.toMicros(2), 3);
    String sql =
        "SELECT time_bucket(INTERVAL 1 MINUTE, ts) AS b, avg(num) FROM telemetry"
            + " WHERE tenant = 'default' AND device = ? AND metric = 'm0'"
            + " AND ts >= epoch_ms(CAST(? AS BIGINT)) AND ts < epoch_ms(CAST(? AS BIGINT))"
            + " GROUP BY b ORDER BY b";
    try (Connection db =
            new DuckDBDriver()
                .connect("jdbc:duckdb:" + databaseFile.toAbsolutePath(), new Properties());
        PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < repetitions + 2; i++) {
        long start = System.nanoTime();
        statement.setString(1, "dev-" + (i % layout.devices()));
        statement.setLong(2, layout.endMs() - 86_400_000L);
        statement.setLong(3, layout.endMs());
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            rows.getDouble(2);
          }
        }
        if (i >= 2) {
          micros.recordValue(
              Math.min((System.nanoTime() - start) / 1000, micros.getHighestTrackableValue()));
        }
      }
    }
    return micros;
  }

  /**
   * Creates {@code databaseFile} (it must not exist) and fills it.
   *
   * @throws IllegalStateException if the file already exists
   */
  public static Loaded load(Path databaseFile, Layout layout) throws Exception {
    if (Files.exists(databaseFile)) {
      throw new IllegalStateException(
          databaseFile + " exists; the loader fills a fresh store only");
    }
    Files.createDirectories(databaseFile.toAbsolutePath().getParent());
    long perInstant = (long) layout.devices() * layout.metrics();
    long rows = layout.instants() * perInstant;
    long start = System.nanoTime();
    try (Connection db =
            new DuckDBDriver()
                .connect("jdbc:duckdb:" + databaseFile.toAbsolutePath(), new Properties());
        Statement statement = db.createStatement()) {
      statement.execute(TELEMETRY_DDL);
      // one range, split into (instant, device, metric) so the rows come out in time order
      String sql =
          """
          INSERT INTO telemetry
          SELECT 'default',
                 'dev-' || d,
                 'm' || m,
                 epoch_ms(CAST(%d + s * %d AS BIGINT)),
                 round(500 + 400 * sin(s / 500.0 + d + m * 0.7), 1),
                 NULL, NULL, 'GOOD', NULL,
                 'devices/dev-' || d || '/telemetry'
          FROM (SELECT i // %d AS s, (i // %d) %% %d AS d, i %% %d AS m FROM range(%d) r(i))
          """
              .formatted(
                  layout.startMs(),
                  layout.stepMs(),
                  perInstant,
                  layout.metrics(),
                  layout.devices(),
                  layout.metrics(),
                  rows);
      statement.execute(sql);
      statement.execute("CHECKPOINT");
      try (ResultSet count = statement.executeQuery("SELECT count(*) FROM telemetry")) {
        count.next();
        rows = count.getLong(1);
      }
    } catch (SQLException e) {
      throw new SQLException("filling " + databaseFile + " failed: " + e.getMessage(), e);
    }
    return new Loaded(rows, (System.nanoTime() - start) / 1e9, Files.size(databaseFile));
  }
}
