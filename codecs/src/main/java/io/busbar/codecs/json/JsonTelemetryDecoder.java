package io.busbar.codecs.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.PayloadDecoder;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the Busbar JSON telemetry format (see {@code docs/payloads.md}):
 *
 * <pre>
 * {"ts": 1732440000000,                       optional: epoch ms or ISO-8601; default: receipt time
 *  "metrics": {"temperature": 71.2,           number, string or boolean
 *              "state": "RUNNING",
 *              "power_kw": {"value": 12.5, "unit": "kW", "quality": "GOOD", "ts": ...}}}
 * </pre>
 *
 * Streams the bytes with Jackson's parser; no tree is built. Thread-safe.
 */
public final class JsonTelemetryDecoder implements PayloadDecoder {

  /** Upper bound on metrics in one message, so one payload cannot flood the pipeline. */
  public static final int MAX_METRICS = 1_000;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(65_536).build())
          .build();

  @Override
  public DecodeResult decode(MessageContext context, Buffer payload) {
    if (payload.length() == 0) {
      return DecodeResult.rejected("empty payload: expected a JSON object with \"metrics\"");
    }
    try (JsonParser parser = FACTORY.createParser(payload.getBytes())) {
      return parseDocument(parser, context);
    } catch (JsonParseException e) {
      return DecodeResult.rejected(
          "malformed JSON at offset "
              + e.getLocation().getCharOffset()
              + ": "
              + e.getOriginalMessage());
    } catch (IOException | RuntimeException e) {
      return DecodeResult.rejected("unreadable JSON: " + e.getMessage());
    }
  }

  private DecodeResult parseDocument(JsonParser p, MessageContext ctx) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return DecodeResult.rejected("expected a JSON object at offset 0");
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
      return DecodeResult.rejected("trailing content after the JSON object");
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
        return "metric name at offset " + p.currentLocation().getCharOffset() + " is blank";
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

  private static Long timestamp(JsonParser p, JsonToken token) throws IOException {
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
