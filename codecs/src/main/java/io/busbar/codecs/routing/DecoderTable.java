package io.busbar.codecs.routing;

import io.busbar.codecs.json.JsonTelemetryDecoder;
import io.busbar.codecs.model.PayloadDecoder;
import java.util.List;
import java.util.Optional;

/**
 * Which decoder reads which topic, and which device a topic names. Rules are tried in order; a rule
 * is a topic pattern with one {@code {device}} level, e.g. {@code devices/{device}/telemetry}.
 * Topics no rule matches are plain MQTT traffic: routed to subscribers, not decoded.
 */
public final class DecoderTable {

  /** A rule: a topic pattern and the decoder for topics that match it. */
  public record Rule(String pattern, PayloadDecoder decoder) {
    public Rule {
      String[] levels = pattern.split("/", -1);
      long placeholders = java.util.Arrays.stream(levels).filter("{device}"::equals).count();
      if (placeholders != 1) {
        throw new IllegalArgumentException(
            "topic pattern '" + pattern + "' must contain exactly one {device} level");
      }
    }
  }

  /** A topic a rule matched: the device it names and the decoder to use. */
  public record Match(String deviceId, PayloadDecoder decoder) {}

  private final List<Rule> rules;
  private final List<String[]> levels;

  public DecoderTable(List<Rule> rules) {
    this.rules = List.copyOf(rules);
    this.levels = this.rules.stream().map(r -> r.pattern().split("/", -1)).toList();
  }

  /** The default table of the design: JSON telemetry on {@code devices/{device}/telemetry}. */
  public static DecoderTable defaults() {
    return new DecoderTable(
        List.of(new Rule("devices/{device}/telemetry", new JsonTelemetryDecoder())));
  }

  public Optional<Match> resolve(String topic) {
    String[] topicLevels = topic.split("/", -1);
    for (int r = 0; r < rules.size(); r++) {
      String device = match(levels.get(r), topicLevels);
      if (device != null) {
        return Optional.of(new Match(device, rules.get(r).decoder()));
      }
    }
    return Optional.empty();
  }

  private static String match(String[] pattern, String[] topic) {
    if (pattern.length != topic.length) {
      return null;
    }
    String device = null;
    for (int i = 0; i < pattern.length; i++) {
      if ("{device}".equals(pattern[i])) {
        if (topic[i].isEmpty()) {
          return null;
        }
        device = topic[i];
      } else if (!pattern[i].equals(topic[i])) {
        return null;
      }
    }
    return device;
  }
}
