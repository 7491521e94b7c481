package io.busbar.verticles.storage;

import java.util.Locale;

/**
 * How the numeric readings of one bucket become one value. Each is computed from partial sums
 * ({@code count, sum, min, max, last, last_ts}) so raw rows and rollup rows combine the same way.
 */
enum Aggregate {
  AVG("sum(s) / sum(n)"),
  MIN("min(lo)"),
  MAX("max(hi)"),
  LAST("arg_max(lv, lt)"),
  COUNT("sum(n)");

  /** The SQL over the partial-sum columns {@code n, s, lo, hi, lv, lt}; no user input in it. */
  private final String combine;

  Aggregate(String combine) {
    this.combine = combine;
  }

  String combineSql() {
    return combine;
  }

  /**
   * Parses {@code avg}, {@code min}, {@code max}, {@code last} or {@code count}.
   *
   * @throws InvalidRequestException naming {@code agg}
   */
  static Aggregate parse(String name) {
    for (Aggregate aggregate : values()) {
      if (aggregate.name().toLowerCase(Locale.ROOT).equals(name)) {
        return aggregate;
      }
    }
    throw new InvalidRequestException(
        "agg", "agg must be one of avg, min, max, last, count, got \"" + name + '"');
  }
}
