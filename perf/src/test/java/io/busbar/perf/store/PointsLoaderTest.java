package io.busbar.perf.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PointsLoaderTest {

  /** Verifies that the loader writes every series evenly, in time order, inside the window. */
  @Test
  void fillsEverySeriesInTimeOrder(@TempDir Path dir) throws Exception {
    long end = 1_700_000_000_000L;
    PointsLoader.Layout layout = new PointsLoader.Layout(6_000, 3, 4, 1, end);
    Path file = dir.resolve("busbar.duckdb");

    PointsLoader.Loaded loaded = PointsLoader.load(file, layout);

    assertThat(loaded.rows()).isEqualTo(6_000);
    try (Connection db = new DuckDBDriver().connect("jdbc:duckdb:" + file, new Properties());
        Statement st = db.createStatement()) {
      try (ResultSet r =
          st.executeQuery(
              "SELECT count(DISTINCT device), count(DISTINCT metric), min(epoch_ms(ts)),"
                  + " max(epoch_ms(ts)), count(*) FILTER (WHERE device = 'dev-2' AND metric = 'm3'),"
                  + " count(*) FILTER (WHERE tenant = 'default' AND quality = 'GOOD')"
                  + " FROM telemetry")) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(3);
        assertThat(r.getLong(2)).isEqualTo(4);
        assertThat(r.getLong(3)).isEqualTo(layout.startMs());
        assertThat(r.getLong(4)).isLessThan(end).isEqualTo(end - layout.stepMs());
        assertThat(r.getLong(5)).isEqualTo(500);
        assertThat(r.getLong(6)).isEqualTo(6_000);
      }
      // insertion order is time order, as live ingestion appends
      try (ResultSet r =
          st.executeQuery(
              "SELECT count(*) FROM (SELECT ts < lag(ts) OVER () AS back FROM telemetry) WHERE back")) {
        r.next();
        assertThat(r.getLong(1)).isZero();
      }
    }
  }

  /** Verifies that an existing store is never overwritten. */
  @Test
  void refusesAnExistingFile(@TempDir Path dir) throws Exception {
    PointsLoader.Layout layout = new PointsLoader.Layout(10, 1, 1, 1, 1_700_000_000_000L);
    PointsLoader.load(dir.resolve("busbar.duckdb"), layout);
    assertThatThrownBy(() -> PointsLoader.load(dir.resolve("busbar.duckdb"), layout))
        .isInstanceOf(IllegalStateException.class);
  }
}
