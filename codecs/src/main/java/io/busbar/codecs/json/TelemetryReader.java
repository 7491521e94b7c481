package io.busbar.codecs.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one Busbar telemetry document (the model of {@link JsonTelemetryDecoder}) from any Jackson
 * token stream, so JSON and CBOR share one code path. Streams tokens; no tree is built. Stateless
 * and thread-safe; the caller owns the parser and turns its exceptions into a rejection.
 */
public final class TelemetryReader {

  /** Upper bound on metrics in one message, so one payload cannot flood the pipeline. */
  public static final int MAX_METRICS = 1_000;

  /**
   * Reads a time the format marks by its own means (a CBOR tag, RFC 8949 §3.4.2), before the plain
   * forms (epoch milliseconds, ISO-8601 text) are tried.
   */
  @FunctionalInterface
  public interface TaggedTime {
    /** Never tags anything: plain JSON. */
    TaggedTime NONE = (p, t) -> null;

    /**
     * Returns the time of the current token in epoch milliseconds, {@link Long#MIN_VALUE} when the
     * token is tagged as a time but unreadable, or {@code null} when it carries no time tag.
     */
    Long epochMillis(JsonParser parser, JsonToken token) throws IOException;
  }

  private final String format;
  private final TaggedTime taggedTime;

  /**
   * @param format the format's name for rejection reasons, e.g. {@code JSON} or {@code CBOR}
   * @param taggedTime how the format marks times, or {@link TaggedTime#NONE}
   */
  public TelemetryReader(String format, TaggedTime taggedTime) {
    this.format = format;
    this.taggedTime = taggedTime;
  }

  /** The byte offset of a location (JSON text or CBOR bytes), or its char offset if unknown. */
  public static long offset(JsonLocation location) {
    if (location == null) {
      return -1;
    }
    long bytes = location.getByteOffset();
    return bytes >= 0 ? bytes : location.getCharOffset();
  }

  /**
   * Reads the document the parser is positioned before.
   *
   * @throws IOException when the token stream itself is broken; the caller names the offset
   */
  public DecodeResult read(JsonParser parser, MessageContext context) throws IOException {
    return parseDocument(parser, context);
  }

  private DecodeResult parseDocument(JsonParser p, MessageContext ctx) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return DecodeResult.rejected("expected a " + format + " object (map) at offset 0");
    }
    long ts = ctx.receivedAt();
    List<PendingMetric> metrics = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken token = p.nextToken();
      switch (field) {
        case "ts" -> {
          Long parsed = timestamp(p, token);
          if (parsed == null) {
            return DecodeResult.rejected(
                "field \"ts\": expected epoch milliseconds or ISO-8601 text");
          }
          ts = parsed;
        }
        case "metrics" -> {
          if (token != JsonToken.START_OBJECT) {
            return DecodeResult.rejected("field \"metrics\": expected an object of name → value");
          }
          metrics = new ArrayList<>();
          String problem = parseMetrics(p, metrics);
          if (problem != null) {
            return DecodeResult.rejected(problem);
          }
        }
        default -> p.skipChildren(); // unknown fields are allowed, for forward compatibility
      }
    }
    if (p.nextToken() != null) {
      return DecodeResult.rejected(
          "trailing content after the "
              + format
              + " object at offset "
              + offset(p.currentTokenLocation()));
    }
    if (metrics == null) {
      return DecodeResult.rejected("missing field \"metrics\"");
    }
    if (metrics.isEmpty()) {
      return DecodeResult.rejected("field \"metrics\" is empty");
    }
    List<Event> events = new ArrayList<>(metrics.size());
    for (PendingMetric m : metrics) {
      events.add(
          new Event(
              ctx.tenant(),
              ctx.deviceId(),
              m.name,
              m.ts == null ? ts : m.ts,
              m.value,
              m.quality,
              m.unit,
              ctx.topic()));
    }
    return DecodeResult.decoded(events);
  }

  /** Reads the metrics object; returns a problem description, or null when it is well-formed. */
  private String parseMetrics(JsonParser p, List<PendingMetric> out) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (name.isBlank()) {
        return "metric name at offset " + offset(p.currentTokenLocation()) + " is blank";
      }
      if (out.size() == MAX_METRICS) {
        return "more than " + MAX_METRICS + " metrics in one message";
      }
      JsonToken token = p.nextToken();
      PendingMetric metric = new PendingMetric(name);
      if (token == JsonToken.START_OBJECT) {
        String problem = parseMetricObject(p, metric);
        if (problem != null) {
          return problem;
        }
      } else {
        metric.value = scalar(p, token);
        if (metric.value == null) {
          return "metric \""
              + name
              + "\": expected a number, string, boolean or object, got "
              + token;
        }
      }
      out.add(metric);
    }
    return null;
  }

  private String parseMetricObject(JsonParser p, PendingMetric metric) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken token = p.nextToken();
      switch (field) {
        case "value" -> {
          metric.value = scalar(p, token);
          if (metric.value == null) {
            return "metric \"" + metric.name + "\".value: expected a number, string or boolean";
          }
        }
        case "unit" -> {
          if (token != JsonToken.VALUE_STRING) {
            return "metric \"" + metric.name + "\".unit: expected a string";
          }
          metric.unit = p.getText();
        }
        case "quality" -> {
          metric.quality = quality(p, token);
          if (metric.quality == null) {
            return "metric \"" + metric.name + "\".quality: expected GOOD, UNCERTAIN, BAD or STALE";
          }
        }
        case "ts" -> {
          metric.ts = timestamp(p, token);
          if (metric.ts == null) {
            return "metric \""
                + metric.name
                + "\".ts: expected epoch milliseconds or ISO-8601 text";
          }
        }
        default -> p.skipChildren();
      }
    }
    if (metric.value == null) {
      return "metric \"" + metric.name + "\": missing \"value\"";
    }
    return null;
  }

  private static Value scalar(JsonParser p, JsonToken token) throws IOException {
    return switch (token) {
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        double d = p.getDoubleValue();
        yield Double.isFinite(d) ? Value.of(d) : null;
      }
      case VALUE_STRING -> Value.of(p.getText());
      case VALUE_TRUE -> Value.of(true);
      case VALUE_FALSE -> Value.of(false);
      default -> null;
    };
  }

  private static Quality quality(JsonParser p, JsonToken token) throws IOException {
    if (token != JsonToken.VALUE_STRING) {
      return null;
    }
    try {
      return Quality.valueOf(p.getText().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private Long timestamp(JsonParser p, JsonToken token) throws IOException {
    Long tagged = taggedTime.epochMillis(p, token);
    if (tagged != null) {
      return tagged == Long.MIN_VALUE || tagged < 0 ? null : tagged;
    }
    if (token == JsonToken.VALUE_NUMBER_INT) {
      long ms = p.getLongValue();
      return ms >= 0 ? ms : null;
    }
    if (token == JsonToken.VALUE_STRING) {
      try {
        return Instant.parse(p.getText()).toEpochMilli();
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    return null;
  }

  private static final class PendingMetric {
    final String name;
    Value value;
    String unit;
    Quality quality = Quality.GOOD;
    Long ts;

    PendingMetric(String name) {
      this.name = name;
    }
  }
}
