package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.awaitTelemetry;
import static io.busbar.verticles.storage.StorageTestSupport.event;
import static io.busbar.verticles.storage.StorageTestSupport.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Parquet export over the bus, read back with DuckDB's own read_parquet. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StorageExportTest {

  /**
   * Verifies that one device's half-open window is written as Parquet with typed columns, and that
   * bad requests are answered 400 naming the field.
   */
  @Test
  void exportsWindowToParquet(Vertx vertx, @TempDir Path dir) throws Exception {
    BusCodecs.register(vertx.eventBus());
    vertx
        .deployVerticle(
            new StorageVerticle(
                new StorageConfig(null, 1_000, 100, Duration.ofMillis(20)),
                new SimpleMeterRegistry()))
        .await(20, TimeUnit.SECONDS);
    publish(
        vertx,
        event("export-1", "temp", 1_000, Value.of(20.5)),
        event("export-1", "state", 2_000, Value.of("RUN")),
        event("export-1", "door", 3_000, Value.of(true)),
        event("export-1", "temp", 9_000, Value.of(99.0)),
        event("export-2", "temp", 2_000, Value.of(1.0)));
    awaitTelemetry(vertx, new JsonObject().put("device", "export-1"), 4);
    Path file = dir.resolve("it's export.parquet");

    JsonObject reply =
        vertx
            .eventBus()
            .<JsonObject>request(
                Addresses.STORAGE_EXPORT,
                new JsonObject()
                    .put("device", "export-1")
                    .put("from", 1_000)
                    .put("to", 9_000)
                    .put("path", file.toString()))
            .await(20, TimeUnit.SECONDS)
            .body();

    assertThat(reply.getLong("rows")).isEqualTo(3L);
    assertThat(reply.getLong("bytes")).isEqualTo(Files.size(file)).isPositive();
    List<String> rows = new ArrayList<>();
    try (Connection duck = new DuckDBDriver().connect("jdbc:duckdb:", new Properties());
        Statement statement = duck.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT device, metric, epoch_ms(ts), num, txt, bool, quality FROM read_parquet('"
                    + file.toString().replace("'", "''")
                    + "') ORDER BY ts")) {
      while (rs.next()) {
        rows.add(
            rs.getString(1)
                + "|"
                + rs.getString(2)
                + "|"
                + rs.getLong(3)
                + "|"
                + rs.getObject(4)
                + "|"
                + rs.getObject(5)
                + "|"
                + rs.getObject(6)
                + "|"
                + rs.getString(7));
      }
    }
    assertThat(rows)
        .containsExactly(
            "export-1|temp|1000|20.5|null|null|GOOD",
            "export-1|state|2000|null|RUN|null|GOOD",
            "export-1|door|3000|null|null|true|GOOD");

    assertBad(vertx, new JsonObject().put("to", 5).put("path", file.toString()), "from");
    assertBad(
        vertx,
        new JsonObject().put("from", 0).put("to", 5).put("path", "relative.parquet"),
        "path");
    assertBad(
        vertx,
        new JsonObject()
            .put("from", 0)
            .put("to", 5)
            .put("path", dir.resolve("missing/x.parquet").toString()),
        "path");
  }

  private static void assertBad(Vertx vertx, JsonObject request, String field) {
    ReplyException failure =
        catchThrowableOfType(
            ReplyException.class,
            () ->
                vertx
                    .eventBus()
                    .request(Addresses.STORAGE_EXPORT, request)
                    .await(10, TimeUnit.SECONDS));
    assertThat(failure).as("%s", request).isNotNull();
    assertThat(failure.failureCode()).isEqualTo(400);
    assertThat(failure.getMessage()).contains(field);
  }
}
