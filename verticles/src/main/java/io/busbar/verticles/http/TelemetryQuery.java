package io.busbar.verticles.http;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A validated history query for one device, as sent to {@code Addresses.STORAGE_TELEMETRY_QUERY}.
 *
 * @param device the device id
 * @param metric one metric, or {@code null} for all
 * @param from the earliest timestamp (epoch ms, inclusive), or {@code null}
 * @param to the latest timestamp (epoch ms, inclusive), or {@code null}
 * @param limit the most rows, or {@code null} for the backend's default
 */
record TelemetryQuery(String device, String metric, Long from, Long to, Integer limit) {

  TelemetryQuery {
    Objects.requireNonNull(device, "device");
  }

  /**
   * Parses the raw parameters of {@code GET /api/v1/devices/:id/telemetry}.
   *
   * @throws BadParameterException naming the first bad parameter: {@code from}/{@code to} not an
   *     instant, {@code from} after {@code to}, {@code limit} not 1..10000, an empty device id
   */
  static TelemetryQuery parse(String device, String metric, String from, String to, String limit) {
    if (device == null || device.isBlank()) {
      throw new BadParameterException("id", String.valueOf(device), "device id must not be empty");
    }
    Long fromMs = QueryParameters.instant("from", from);
    Long toMs = QueryParameters.instant("to", to);
    if (fromMs != null && toMs != null && fromMs > toMs) {
      throw new BadParameterException("from", from, "must not be after to=" + to);
    }
    Integer max = QueryParameters.limit("limit", limit);
    return new TelemetryQuery(
        device, metric == null || metric.isEmpty() ? null : metric, fromMs, toMs, max);
  }

  /** Returns the request body of the storage contract; absent fields are left out. */
  JsonObject toJson() {
    JsonObject json = new JsonObject().put("device", device);
    if (metric != null) {
      json.put("metric", metric);
    }
    if (from != null) {
      json.put("from", from);
    }
    if (to != null) {
      json.put("to", to);
    }
    if (limit != null) {
      json.put("limit", limit);
    }
    return json;
  }
}
