package io.busbar.verticles.storage;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The widths a telemetry query may downsample to. Buckets are aligned like DuckDB's {@code
 * time_bucket} (origin 2000-01-03T00:00Z, a Monday midnight), so hours and days start on the hour
 * and at midnight UTC.
 */
enum Bucket {
  S1("1s", 1_000L),
  S10("10s", 10_000L),
  S30("30s", 30_000L),
  M1("1m", 60_000L),
  M5("5m", 300_000L),
  M10("10m", 600_000L),
  M15("15m", 900_000L),
  M30("30m", 1_800_000L),
  H1("1h", 3_600_000L),
  H6("6h", 21_600_000L),
  H12("12h", 43_200_000L),
  D1("1d", 86_400_000L);

  static final long HOUR_MS = 3_600_000L;
  static final long DAY_MS = 86_400_000L;

  /** 2000-01-03T00:00:00Z, DuckDB's default {@code time_bucket} origin. */
  static final long ORIGIN_MS = 946_857_600_000L;

  private final String label;
  private final long millis;

  Bucket(String label, long millis) {
    this.label = label;
    this.millis = millis;
  }

  String label() {
    return label;
  }

  long millis() {
    return millis;
  }

  /** The start of the bucket holding {@code epochMs}. */
  long floor(long epochMs) {
    return ORIGIN_MS + Math.floorDiv(epochMs - ORIGIN_MS, millis) * millis;
  }

  /** The first bucket start at or after {@code epochMs}. */
  long ceil(long epochMs) {
    long floor = floor(epochMs);
    return floor == epochMs ? floor : floor + millis;
  }

  /**
   * Parses a label such as {@code 1m}.
   *
   * @throws InvalidRequestException naming {@code bucket} and the allowed labels
   */
  static Bucket parse(String label) {
    for (Bucket bucket : values()) {
      if (bucket.label.equals(label)) {
        return bucket;
      }
    }
    throw new InvalidRequestException(
        "bucket",
        "bucket must be one of "
            + Arrays.stream(values()).map(Bucket::label).collect(Collectors.joining(", "))
            + ", got \""
            + label
            + '"');
  }
}
