package io.busbar.verticles.http;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Parses REST query parameters; every failure is a {@link BadParameterException} naming it. */
final class QueryParameters {

  /** The most rows one query may ask for. */
  static final int MAX_LIMIT = 10_000;

  private QueryParameters() {}

  /**
   * Parses an instant given as epoch milliseconds ({@code 1717000000000}) or an ISO-8601 instant
   * ({@code 2024-05-29T16:26:40Z}).
   *
   * @return epoch milliseconds, or {@code null} when {@code raw} is absent or empty
   */
  static Long instant(String name, String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    if (isInteger(raw)) {
      try {
        return Long.parseLong(raw);
      } catch (NumberFormatException e) {
        throw new BadParameterException(name, raw, "epoch milliseconds out of range");
      }
    }
    try {
      return Instant.parse(raw).toEpochMilli();
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new BadParameterException(
          name,
          raw,
          "expected epoch milliseconds or an ISO-8601 instant like 2024-05-29T16:26:40Z");
    }
  }

  /**
   * Parses a row limit, {@code 1..}{@value #MAX_LIMIT}.
   *
   * @return the limit, or {@code null} when {@code raw} is absent or empty
   */
  static Integer limit(String name, String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    int limit;
    try {
      limit = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new BadParameterException(name, raw, "expected an integer 1.." + MAX_LIMIT);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new BadParameterException(name, raw, "must be 1.." + MAX_LIMIT);
    }
    return limit;
  }

  private static boolean isInteger(String s) {
    int start = s.charAt(0) == '-' ? 1 : 0;
    if (start == s.length()) {
      return false;
    }
    for (int i = start; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
