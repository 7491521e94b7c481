package io.busbar.verticles.storage;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
}
