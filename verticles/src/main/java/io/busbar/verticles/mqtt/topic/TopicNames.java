package io.busbar.verticles.mqtt.topic;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Validation and matching of topic names and topic filters, per MQTT 3.1.1 §4.7 and 5.0 §4.7. Pure
 * functions; each {@code check*} method returns the problem, or empty when the input is valid.
 */
public final class TopicNames {

  /** MQTT 5.0 §1.5.4: a UTF-8 encoded string is at most 65,535 bytes. */
  public static final int MAX_TOPIC_BYTES = 65_535;

  /** Prefix of a shared subscription filter, MQTT 5.0 §4.8.2. */
  public static final String SHARE_PREFIX = "$share/";

  private TopicNames() {}

  /**
   * Checks a topic name as carried in a PUBLISH: at least one character (§4.7.3), no wildcard
   * characters (§4.7.1), well-formed UTF-8 without U+0000 (§1.5.3), at most 65,535 bytes.
   */
  public static Optional<String> checkName(String topic) {
    Optional<String> common = checkString(topic);
    if (common.isPresent()) {
      return common;
    }
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      if (c == '+' || c == '#') {
        return Optional.of("topic name must not contain wildcard '" + c + "' (MQTT §4.7.1)");
      }
    }
    return Optional.empty();
  }

  /** As {@link #checkName(String)}, also within the broker's configured length and level limits. */
  public static Optional<String> checkName(String topic, int maxBytes, int maxLevels) {
    Optional<String> problem = checkName(topic);
    return problem.isPresent() ? problem : checkLimits(topic, maxBytes, maxLevels);
  }

  /** As {@link #checkFilter(String)}, also within the broker's configured limits. */
  public static Optional<String> checkFilter(String filter, int maxBytes, int maxLevels) {
    Optional<String> problem = checkFilter(filter);
    return problem.isPresent() ? problem : checkLimits(filter, maxBytes, maxLevels);
  }

  private static Optional<String> checkLimits(String topic, int maxBytes, int maxLevels) {
    int levels = 1;
    for (int i = 0; i < topic.length(); i++) {
      if (topic.charAt(i) == '/') {
        levels++;
      }
    }
    if (levels > maxLevels) {
      return Optional.of("topic has " + levels + " levels, more than the limit " + maxLevels);
    }
    if (topic.length() > maxBytes / 3 && topic.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      return Optional.of("topic is longer than the limit of " + maxBytes + " bytes");
    }
    return Optional.empty();
  }

  /**
   * Checks a topic filter as carried in a SUBSCRIBE or UNSUBSCRIBE: the rules of {@link #checkName}
   * except that {@code +} may fill a whole level and {@code #} may fill the last level (§4.7.1.2,
   * §4.7.1.3). A shared subscription {@code $share/{group}/{filter}} (5.0 §4.8.2) needs a non-empty
   * group without wildcards or {@code /} and a valid filter.
   */
  public static Optional<String> checkFilter(String filter) {
    Optional<String> common = checkString(filter);
    if (common.isPresent()) {
      return common;
    }
    if (filter.startsWith(SHARE_PREFIX)) {
      int slash = filter.indexOf('/', SHARE_PREFIX.length());
      if (slash < 0) {
        return Optional.of("shared subscription needs $share/{group}/{filter} (MQTT 5.0 §4.8.2)");
      }
      String group = filter.substring(SHARE_PREFIX.length(), slash);
      if (group.isEmpty() || group.contains("+") || group.contains("#")) {
        return Optional.of("share name must be non-empty without wildcards (MQTT 5.0 §4.8.2)");
      }
      String inner = filter.substring(slash + 1);
      if (inner.isEmpty()) {
        return Optional.of("shared subscription needs a topic filter (MQTT 5.0 §4.8.2)");
      }
      return checkLevels(inner);
    }
    return checkLevels(filter);
  }

  private static Optional<String> checkLevels(String filter) {
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String level = levels[i];
      if (level.contains("#")) {
        if (!level.equals("#")) {
          return Optional.of("'#' must occupy a whole level (MQTT §4.7.1.2)");
        }
        if (i != levels.length - 1) {
          return Optional.of("'#' must be the last level (MQTT §4.7.1.2)");
        }
      }
      if (level.contains("+") && !level.equals("+")) {
        return Optional.of("'+' must occupy a whole level (MQTT §4.7.1.3)");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> checkString(String s) {
    if (s == null || s.isEmpty()) {
      return Optional.of("topic must be at least one character long (MQTT §4.7.3)");
    }
    if (!isWellFormed(s)) {
      return Optional.of(
          s.indexOf('\u0000') >= 0
              ? "topic must not contain U+0000 (MQTT §1.5.3)"
              : "topic is not well-formed UTF-8 (MQTT §1.5.3)");
    }
    if (s.length() > MAX_TOPIC_BYTES / 3
        && s.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
      return Optional.of("topic is longer than 65535 bytes (MQTT §4.7.3)");
    }
    return Optional.empty();
  }

  /**
   * Whether an MQTT UTF-8 string (MQTT 3.1.1 §1.5.3, 5.0 §1.5.4) arrived well-formed: no U+0000, no
   * unpaired surrogate, no U+FFFD. Netty's decoder turns each ill-formed byte sequence into U+FFFD,
   * so a replacement character is taken for one; a client that sends a well-formed U+FFFD is
   * refused too (no known client does: it stands for a decoding failure).
   */
  public static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\u0000' || c == '\uFFFD') {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code filter} is a shared subscription, {@code $share/{group}/{filter}}. */
  public static boolean isShared(String filter) {
    return filter.startsWith(SHARE_PREFIX);
  }

  /** The share name of a shared subscription filter. */
  public static String shareGroup(String sharedFilter) {
    int slash = sharedFilter.indexOf('/', SHARE_PREFIX.length());
    return sharedFilter.substring(SHARE_PREFIX.length(), slash);
  }

  /** The topic filter inside a shared subscription filter, or the filter itself. */
  public static String innerFilter(String filter) {
    if (!isShared(filter)) {
      return filter;
    }
    return filter.substring(filter.indexOf('/', SHARE_PREFIX.length()) + 1);
  }

  /**
   * Whether the valid topic name {@code topic} matches the valid filter {@code filter}, level by
   * level. {@code #} also matches the parent level (§4.7.1.2: {@code sport/#} matches {@code
   * sport}); names starting with {@code $} are not matched by a leading wildcard (§4.7.2).
   */
  public static boolean matches(String filter, String topic) {
    if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
      return false;
    }
    String[] f = filter.split("/", -1);
    String[] t = topic.split("/", -1);
    for (int i = 0; i < f.length; i++) {
      if (f[i].equals("#")) {
        return true;
      }
      if (i >= t.length) {
        return false;
      }
      if (!f[i].equals("+") && !f[i].equals(t[i])) {
        return false;
      }
    }
    return f.length == t.length;
  }
}
