package io.busbar.codecs.routing;

import io.busbar.codecs.cbor.CborTelemetryDecoder;
import io.busbar.codecs.frame.FrameLayout;
import io.busbar.codecs.frame.FrameLayoutDecoder;
import io.busbar.codecs.json.JsonTelemetryDecoder;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.PayloadDecoder;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which decoder reads which topic, and which device a topic names. Routes are tried in order. The
 * common route is a {@link Rule}: a topic pattern with one {@code {device}} level, e.g. {@code
 * devices/{device}/telemetry}; other {@code {name}} levels (e.g. {@code {layout}}) match any one
 * non-empty level and are left to the decoder, which sees the whole topic. Protocols whose topics
 * do not fit that form (Sparkplug B) bring their own {@link Route}. Topics no route matches are
 * plain MQTT traffic: routed to subscribers, not decoded.
 */
public final class DecoderTable {

  /**
   * The telemetry topic of device {@code deviceId} in the default table: what HTTP ingest ({@code
   * POST /api/v1/devices/{id}/telemetry}) resolves its decoder by, as if the device had published
   * there.
   */
  public static String telemetryTopic(String deviceId) {
    return TELEMETRY_PATTERN.replace("{device}", deviceId);
  }

  /** The default telemetry topic: JSON or CBOR, by MQTT 5 content type. */
  public static final String TELEMETRY_PATTERN = "devices/{device}/telemetry";

  /** The default binary frame topic: the last level names the layout. */
  public static final String FRAMES_PATTERN = "devices/{device}/frames/{layout}";

  /** A way to recognise topics: returns the device and decoder for a topic it handles. */
  @FunctionalInterface
  public interface Route {

    /**
     * @param topic the topic
     * @param levels the topic split at {@code /} (kept empty levels)
     * @return the match, or empty when the route does not handle this topic
     */
    Optional<Match> resolve(String topic, String[] levels);
  }

  /** A rule: a topic pattern and the decoder for topics that match it. */
  public record Rule(String pattern, PayloadDecoder decoder) implements Route {
    public Rule {
      String[] levels = pattern.split("/", -1);
      long placeholders = java.util.Arrays.stream(levels).filter("{device}"::equals).count();
      if (placeholders != 1) {
        throw new IllegalArgumentException(
            "topic pattern '" + pattern + "' must contain exactly one {device} level");
      }
    }

    @Override
    public Optional<Match> resolve(String topic, String[] topicLevels) {
      String device = match(pattern.split("/", -1), topicLevels);
      return device == null ? Optional.empty() : Optional.of(new Match(device, decoder));
    }
  }

  /** A topic a rule matched: the device it names and the decoder to use. */
  public record Match(String deviceId, PayloadDecoder decoder) {

    /**
     * Decodes {@code payload} with {@link #decoder()}. Decoders must not throw; if one does, the
     * failure becomes a rejection (so the message still becomes a dead letter), never an exception
     * on the transport's thread. Shared by every transport that ingests readings (MQTT, HTTP).
     */
    public DecodeResult decode(MessageContext context, Buffer payload) {
      try {
        return decoder.decode(context, payload);
      } catch (RuntimeException e) {
        return DecodeResult.rejected("decoder failed: " + e);
      }
    }

    /**
     * Whether the decoder reads {@code contentType}: for a {@link ContentTypeDecoder} only the
     * media types it names (or none given); any other decoder is asked about every payload.
     */
    public boolean reads(String contentType) {
      return !(decoder instanceof ContentTypeDecoder byType) || byType.reads(contentType);
    }

    /** The media types the decoder names, empty when it does not choose by content type. */
    public java.util.Set<String> contentTypes() {
      return decoder instanceof ContentTypeDecoder byType
          ? byType.contentTypes()
          : java.util.Set.of();
    }
  }

  private final List<Route> routes;

  public DecoderTable(List<Rule> rules) {
    this.routes = compile(rules);
  }

  private DecoderTable(List<? extends Route> routes, boolean unused) {
    this.routes = compile(routes);
  }

  /** Rules with their pattern split once, not on every message. */
  private static List<Route> compile(List<? extends Route> routes) {
    return routes.stream().map(r -> r instanceof Rule rule ? compiled(rule) : r).toList();
  }

  private static Route compiled(Rule rule) {
    String[] pattern = rule.pattern().split("/", -1);
    return (topic, levels) -> {
      String device = match(pattern, levels);
      return device == null ? Optional.empty() : Optional.of(new Match(device, rule.decoder()));
    };
  }

  /** A table of any routes, tried in order. */
  public static DecoderTable of(List<? extends Route> routes) {
    return new DecoderTable(routes, true);
  }

  /** The default table of the design, without frame layouts (see {@link #defaults(Map)}). */
  public static DecoderTable defaults() {
    return defaults(Map.of());
  }

  /**
   * The default table of the design: on {@code devices/{device}/telemetry} JSON, or CBOR when the
   * MQTT 5 content type says {@code application/cbor}; on {@code devices/{device}/frames/{layout}}
   * the named binary frame layout (an unknown layout is a dead letter naming it).
   */
  public static DecoderTable defaults(Map<String, FrameLayout> layouts) {
    return of(defaultRules(layouts));
  }

  /** The rules of {@link #defaults(Map)}, to put after or before other routes. */
  public static List<Rule> defaultRules(Map<String, FrameLayout> layouts) {
    JsonTelemetryDecoder json = new JsonTelemetryDecoder();
    PayloadDecoder telemetry =
        new ContentTypeDecoder(
            json,
            Map.of(
                "application/json",
                json,
                CborTelemetryDecoder.CONTENT_TYPE,
                new CborTelemetryDecoder()));
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule(TELEMETRY_PATTERN, telemetry));
    rules.add(new Rule(FRAMES_PATTERN, new FrameLayoutDecoder(layouts)));
    return rules;
  }

  public Optional<Match> resolve(String topic) {
    String[] topicLevels = topic.split("/", -1);
    for (Route route : routes) {
      Optional<Match> match = route.resolve(topic, topicLevels);
      if (match.isPresent()) {
        return match;
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
      String level = pattern[i];
      if ("{device}".equals(level)) {
        if (topic[i].isEmpty()) {
          return null;
        }
        device = topic[i];
      } else if (level.length() > 2 && level.startsWith("{") && level.endsWith("}")) {
        if (topic[i].isEmpty()) {
          return null;
        }
      } else if (!level.equals(topic[i])) {
        return null;
      }
    }
    return device;
  }
}
