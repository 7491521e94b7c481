package io.busbar.verticles.kafka;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Validation shared by the Kafka config records; every message names the field and the bad value.
 */
final class ConfigChecks {

  /** Kafka's legal topic names: {@code [a-zA-Z0-9._-]}, 1 to 249 characters, not "." or "..". */
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private ConfigChecks() {}

  /** A comma-separated list of {@code host:port}, port 1..65535. */
  static String bootstrapServers(String field, String value) {
    notBlank(field, value);
    for (String server : value.split(",", -1)) {
      String s = server.strip();
      int colon = s.lastIndexOf(':');
      if (colon <= 0 || colon == s.length() - 1) {
        throw new IllegalArgumentException(
            field + " must be a comma-separated list of host:port, got '" + value + "'");
      }
      int port;
      try {
        port = Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException(
            field + " has a bad port in '" + s + "' (1..65535), got '" + value + "'");
      }
    }
    return value;
  }

  static String topic(String field, String value) {
    if (value == null
        || !TOPIC.matcher(value).matches()
        || value.equals(".")
        || value.equals("..")) {
      throw new IllegalArgumentException(
          field
              + " must be a Kafka topic name ([a-zA-Z0-9._-], 1..249 chars), got '"
              + value
              + "'");
    }
    return value;
  }

  static boolean isTopic(String value) {
    return value != null
        && TOPIC.matcher(value).matches()
        && !value.equals(".")
        && !value.equals("..");
  }

  static String notBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must be set, got '" + value + "'");
    }
    return value;
  }

  static int atLeast(String field, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(field + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  static Duration atLeast(String field, Duration value, Duration min) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must be set");
    }
    if (value.compareTo(min) < 0) {
      throw new IllegalArgumentException(field + " must be at least " + min + ", got " + value);
    }
    return value;
  }
}
