package io.busbar.verticles.storage;

import io.vertx.core.json.JsonObject;

/**
 * A validated request on {@code Addresses.STORAGE_TELEMETRY_QUERY}: the readings of one device in the
 * half-open window {@code [from, to)} (epoch ms).
 *
 * @param device the device id (required)
 * @param tenant only readings of this tenant, or {@code null} for any (the REST layer sets it)
 * @param metric only this metric, or {@code null} for all
 * @param from the first instant included, or {@code null} for no lower bound
 * @param to the first instant excluded, or {@code null} for no upper bound
 * @param limit the most readings returned: the latest {@code limit} of the window, oldest first
 */
record TelemetryQuery(
    String device, String tenant, String metric, Long from, Long to, int limit) {

  public static final int DEFAULT_LIMIT = 1_000;
  public static final int MAX_LIMIT = 10_000;

  public TelemetryQuery {
    if (device == null || device.isBlank()) {
      throw new InvalidRequestException("device", "device is required");
    }
    checkRange("from", from);
    checkRange("to", to);
    if (from != null && to != null && from > to) {
      throw new InvalidRequestException(
          "from", "from must not be after to, got from=" + from + " to=" + to);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidRequestException(
          "limit", "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }

  /** The latest instant DuckDB's TIMESTAMP holds: 9999-12-31T23:59:59.999Z. */
  static final long MAX_EPOCH_MS = 253_402_300_799_999L;

  /** The earliest instant DuckDB's TIMESTAMP holds here: 0001-01-01T00:00:00Z. */
  static final long MIN_EPOCH_MS = -62_135_596_800_000L;

  static boolean inRange(long epochMs) {
    return epochMs >= MIN_EPOCH_MS && epochMs <= MAX_EPOCH_MS;
  }

  private static void checkRange(String field, Long epochMs) {
    if (epochMs != null && !inRange(epochMs)) {
      throw new InvalidRequestException(
          field, field + " must be epoch milliseconds between years 1 and 9999, got " + epochMs);
    }
  }

  /**
   * Reads {@code {device, tenant?, metric?, from?, to?, limit?}}.
   *
   * @throws InvalidRequestException naming the first bad field
   */
  public static TelemetryQuery fromJson(JsonObject request) {
    if (request == null) {
      throw new InvalidRequestException("device", "device is required");
    }
    return new TelemetryQuery(
        RequestFields.requiredText(request, "device"),
        RequestFields.optionalText(request, "tenant"),
        RequestFields.optionalText(request, "metric"),
        RequestFields.optionalLong(request, "from"),
        RequestFields.optionalLong(request, "to"),
        RequestFields.limit(request, DEFAULT_LIMIT, MAX_LIMIT));
  }
}
