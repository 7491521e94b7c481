package io.busbar.codecs.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.PayloadDecoder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

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
 * Streams the bytes with Jackson's parser through {@link TelemetryReader}, which {@code
 * CborTelemetryDecoder} shares; no tree is built. Thread-safe.
 */
public final class JsonTelemetryDecoder implements PayloadDecoder {

  /** Upper bound on metrics in one message, so one payload cannot flood the pipeline. */
  public static final int MAX_METRICS = TelemetryReader.MAX_METRICS;

  private static final TelemetryReader READER =
      new TelemetryReader("JSON", TelemetryReader.TaggedTime.NONE);

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
      return READER.read(parser, context);
    } catch (JsonProcessingException e) {
      return DecodeResult.rejected(
          "malformed JSON at offset "
              + TelemetryReader.offset(e.getLocation())
              + ": "
              + e.getOriginalMessage());
    } catch (IOException | RuntimeException e) {
      return DecodeResult.rejected("unreadable JSON: " + e.getMessage());
    }
  }
}
