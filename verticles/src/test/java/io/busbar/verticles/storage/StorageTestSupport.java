package io.busbar.verticles.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBDriver;

/** Event builders and blocking helpers for the storage tests (called from the JUnit thread). */
final class StorageTestSupport {

  private StorageTestSupport() {}

  static Event event(String device, String metric, long ts, Value value) {
    return new Event(
        "acme", device, metric, ts, value, Quality.GOOD, null, "devices/" + device + "/telemetry");
  }

  static void publish(Vertx vertx, Event... events) {
    vertx.eventBus().publish(Addresses.EVENTS, new EventBatch(List.of(events)));
  }

  static JsonArray request(Vertx vertx, String address, JsonObject request) throws Exception {
    return vertx.eventBus().<JsonArray>request(address, request).await(10, TimeUnit.SECONDS).body();
  }

  /**
   * Polls the telemetry query until it returns at least {@code expected} rows (writes are async).
   */
  static JsonArray awaitTelemetry(Vertx vertx, JsonObject request, int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      JsonArray rows = request(vertx, Addresses.STORAGE_TELEMETRY_QUERY, request);
      if (rows.size() >= expected || System.nanoTime() > deadline) {
        return rows;
      }
      Thread.sleep(20);
    }
  }

  static void awaitCondition(java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  /**
   * The export contract both stores keep: one device's half-open window goes to Parquet with typed
   * columns (read back with DuckDB's own read_parquet), an empty window is an empty file, and bad
   * requests are answered 400 naming the field. Stores its own readings of devices export-1 and
   * export-2; writes into {@code dir}.
   */
  static void assertExportsWindowToParquet(Vertx vertx, Path dir) throws Exception {
    publish(
        vertx,
        event("export-1", "temp", 1_000, Value.of(20.5)),
        event("export-1", "state", 2_000, Value.of("RUN")),
        event("export-1", "door", 3_000, Value.of(true)),
        event("export-1", "temp", 9_000, Value.of(99.0)),
        event("export-2", "temp", 2_000, Value.of(1.0)));
    awaitTelemetry(vertx, new JsonObject().put("device", "export-1"), 4);
    Path file = dir.resolve("it's export.parquet");

    JsonObject reply = export(vertx, "export-1", 1_000, 9_000, file);
    assertThat(reply.getLong("rows")).isEqualTo(3L);
    assertThat(reply.getLong("bytes")).isEqualTo(Files.size(file)).isPositive();
    List<String> rows = new ArrayList<>();
    try (Connection duck = new DuckDBDriver().connect("jdbc:duckdb:", new Properties());
        Statement statement = duck.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT device, metric, epoch_ms(ts), num, txt, bool, quality, typeof(ts)"
                    + " FROM read_parquet('"
                    + file.toString().replace("'", "''")
                    + "') ORDER BY ts")) {
      while (rs.next()) {
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
          columns.add(String.valueOf(rs.getObject(i)));
        }
        rows.add(String.join("|", columns));
      }
    }
    assertThat(rows)
        .containsExactly(
            "export-1|temp|1000|20.5|null|null|GOOD|TIMESTAMP",
            "export-1|state|2000|null|RUN|null|GOOD|TIMESTAMP",
            "export-1|door|3000|null|null|true|GOOD|TIMESTAMP");

    // an empty window is an empty file, not an error
    assertThat(export(vertx, "nobody", 0, 10, dir.resolve("empty.parquet")).getLong("rows"))
        .isZero();

    assertExportRefused(vertx, new JsonObject().put("to", 5).put("path", file.toString()), "from");
    assertExportRefused(
        vertx,
        new JsonObject().put("from", 0).put("to", 5).put("path", "relative.parquet"),
        "path");
    assertExportRefused(
        vertx,
        new JsonObject()
            .put("from", 0)
            .put("to", 5)
            .put("path", dir.resolve("missing/x.parquet").toString()),
        "path");
  }

  private static JsonObject export(Vertx vertx, String device, long from, long to, Path file)
      throws Exception {
    JsonObject request =
        new JsonObject()
            .put("device", device)
            .put("from", from)
            .put("to", to)
            .put("path", file.toString());
    return vertx
        .eventBus()
        .<JsonObject>request(Addresses.STORAGE_EXPORT, request)
        .await(20, TimeUnit.SECONDS)
        .body();
  }

  private static void assertExportRefused(Vertx vertx, JsonObject request, String field) {
    assertThat(badRequest(vertx, Addresses.STORAGE_EXPORT, request).getMessage()).contains(field);
  }

  /** The failure of a request to {@code address} that must be refused 400 (asserted). */
  static ReplyException badRequest(Vertx vertx, String address, Object body) {
    ReplyException failure =
        catchThrowableOfType(
            ReplyException.class,
            () -> vertx.eventBus().request(address, body).await(10, TimeUnit.SECONDS));
    assertThat(failure).as("%s", body).isNotNull();
    assertThat(failure.failureCode()).isEqualTo(400);
    return failure;
  }
}
