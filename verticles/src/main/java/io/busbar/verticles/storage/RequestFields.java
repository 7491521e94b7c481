package io.busbar.verticles.storage;

import io.vertx.core.json.JsonObject;

/** Reads typed, validated fields out of a query request; every failure names its field. */
final class RequestFields {

  private RequestFields() {}

  static String optionalText(JsonObject request, String field) {
    Object raw = request.getValue(field);
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof String text) || text.isBlank()) {
      throw new InvalidRequestException(
          field, field + " must be a non-empty string, got " + describe(raw));
    }
    return text;
  }

  static String requiredText(JsonObject request, String field) {
    String text = optionalText(request, field);
    if (text == null) {
      throw new InvalidRequestException(field, field + " is required");
    }
    return text;
  }

  /**
   * An optional whole number; numeric strings are accepted too, because HTTP query parameters
   * arrive as text.
   */
  static Long optionalLong(JsonObject request, String field) {
    Object raw = request.getValue(field);
    if (raw == null) {
      return null;
    }
    if (raw instanceof Integer || raw instanceof Long) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof Number number) {
      double d = number.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
        return (long) d;
      }
    } else if (raw instanceof String text) {
      try {
        return Long.parseLong(text.trim());
      } catch (NumberFormatException e) {
        // fall through to the error naming the field
      }
    }
    throw new InvalidRequestException(
        field, field + " must be a whole number, got " + describe(raw));
  }

  /** An optional flag, {@code false} when absent; {@code "true"}/{@code "false"} strings too. */
  static boolean optionalBoolean(JsonObject request, String field) {
    Object raw = request.getValue(field);
    if (raw == null) {
      return false;
    }
    if (raw instanceof Boolean flag) {
      return flag;
    }
    if ("true".equals(raw) || "false".equals(raw)) {
      return Boolean.parseBoolean((String) raw);
    }
    throw new InvalidRequestException(
        field, field + " must be true or false, got " + describe(raw));
  }

  static int limit(JsonObject request, int defaultLimit, int maxLimit) {
    Long limit = optionalLong(request, "limit");
    if (limit == null) {
      return defaultLimit;
    }
    if (limit < 1 || limit > maxLimit) {
      throw new InvalidRequestException(
          "limit", "limit must be between 1 and " + maxLimit + ", got " + limit);
    }
    return limit.intValue();
  }

  private static String describe(Object raw) {
    return raw instanceof String ? '"' + (String) raw + '"' : String.valueOf(raw);
  }
}
