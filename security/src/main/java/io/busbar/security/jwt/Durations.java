package io.busbar.security.jwt;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the short durations people type on a command line or in config: {@code 45s}, {@code 30m},
 * {@code 1h}, {@code 7d}, {@code 500ms}, or ISO-8601 ({@code PT1H}, {@code P1D}). Pure.
 */
public final class Durations {

  private static final Pattern SHORT = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses {@code text} as a positive duration.
   *
   * @throws IllegalArgumentException naming {@code text} when it is null, blank, not in one of the
   *     accepted forms, zero or negative
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "duration is empty; expected e.g. 45s, 30m, 1h, 7d or ISO-8601 PT1H");
    }
    String trimmed = text.strip();
    Duration duration;
    Matcher m = SHORT.matcher(trimmed.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      duration =
          switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
          };
    } else {
      try {
        duration = Duration.parse(trimmed.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "bad duration '" + text + "': expected e.g. 45s, 30m, 1h, 7d or ISO-8601 PT1H", e);
      }
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException("bad duration '" + text + "': must be positive");
    }
    return duration;
  }
}
