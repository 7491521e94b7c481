package io.busbar.verticles.storage;

import io.vertx.core.json.JsonObject;

/**
 * A validated request on {@code Addresses.STORAGE_TELEMETRY_QUERY}: the readings of one device in
 * the half-open window {@code [from, to)} (epoch ms), raw, downsampled or only the latest per
 * metric.
 *
 * @param device the device id (required)
 * @param tenant only readings of this tenant, or {@code null} for any (the REST layer sets it)
 * @param metric only this metric, or {@code null} for all
 * @param from the first instant included, or {@code null} for no lower bound
 * @param to the first instant excluded, or {@code null} for no upper bound
 * @param limit the most rows returned: the latest {@code limit} of the window, oldest first
 * @param bucket downsample numeric readings to buckets of this width, or {@code null} for raw rows;
 *     then the window is widened to whole buckets
 * @param agg how a bucket's readings become its value; {@code null} without a bucket
 * @param latest only the latest reading of each metric in the window (no bucket, no cursor)
 * @param cursor continue before this row of the previous page, or {@code null} for the first page
 */
record TelemetryQuery(
    String device,
    String tenant,
    String metric,
    Long from,
    Long to,
    int limit,
    Bucket bucket,
    Aggregate agg,
    boolean latest,
    PageCursor cursor) {

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
    if (agg != null && bucket == null) {
      throw new InvalidRequestException("agg", "agg needs a bucket, e.g. bucket=1m");
    }
    if (bucket != null && agg == null) {
      agg = Aggregate.AVG;
    }
    if (latest && bucket != null) {
      throw new InvalidRequestException("latest", "latest=true cannot be combined with bucket");
    }
    if (latest && cursor != null) {
      throw new InvalidRequestException("cursor", "latest=true returns one page, no cursor");
    }
    if (bucket != null) {
      // whole buckets only, so the first and last bucket are not partial
      from = from == null ? null : bucket.floor(from);
      to = to == null ? null : Math.min(bucket.ceil(to), MAX_EPOCH_MS);
    }
  }

  /** A raw query: no bucket, not latest, first page. */
  TelemetryQuery(String device, String tenant, String metric, Long from, Long to, int limit) {
    this(device, tenant, metric, from, to, limit, null, null, false, null);
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
   * Reads {@code {device, tenant?, metric?, from?, to?, limit?, bucket?, agg?, latest?, cursor?}}.
   *
   * @throws InvalidRequestException naming the first bad field
   */
  public static TelemetryQuery fromJson(JsonObject request) {
    if (request == null) {
      throw new InvalidRequestException("device", "device is required");
    }
    String bucket = RequestFields.optionalText(request, "bucket");
    String agg = RequestFields.optionalText(request, "agg");
    String cursor = RequestFields.optionalText(request, "cursor");
    return new TelemetryQuery(
        RequestFields.requiredText(request, "device"),
        RequestFields.optionalText(request, "tenant"),
        RequestFields.optionalText(request, "metric"),
        RequestFields.optionalLong(request, "from"),
        RequestFields.optionalLong(request, "to"),
        RequestFields.limit(request, DEFAULT_LIMIT, MAX_LIMIT),
        bucket == null ? null : Bucket.parse(bucket),
        agg == null ? null : Aggregate.parse(agg),
        RequestFields.optionalBoolean(request, "latest"),
        cursor == null ? null : PageCursor.decode(cursor));
  }
}
