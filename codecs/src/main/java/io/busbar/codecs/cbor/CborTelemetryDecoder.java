package io.busbar.codecs.cbor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import io.busbar.codecs.json.TelemetryReader;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.PayloadDecoder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Decodes Busbar telemetry sent as CBOR (RFC 8949): the same model as the JSON format of {@link
 * io.busbar.codecs.json.JsonTelemetryDecoder} — a map with an optional {@code ts} and a {@code
 * metrics} map — read by the same {@link TelemetryReader}. Besides epoch milliseconds and ISO-8601
 * text, a time may be a tag 1 epoch time in seconds (RFC 8949 §3.4.2, integer or float) or a tag 0
 * date/time string (§3.4.1). Thread-safe.
 */
public final class CborTelemetryDecoder implements PayloadDecoder {

  /** The MQTT 5 content type (RFC 8949 §9.1) that selects this decoder. */
  public static final String CONTENT_TYPE = "application/cbor";

  /** RFC 8949 §3.4.2: epoch-based date/time, in seconds. */
  static final int TAG_EPOCH_SECONDS = 1;

  private static final CBORFactory FACTORY =
      CBORFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(65_536).build())
          .build();

  private static final TelemetryReader READER =
      new TelemetryReader("CBOR", CborTelemetryDecoder::epochSeconds);

  @Override
  public DecodeResult decode(MessageContext context, Buffer payload) {
    if (payload.length() == 0) {
      return DecodeResult.rejected("empty payload: expected a CBOR map with \"metrics\"");
    }
    try (JsonParser parser = FACTORY.createParser(payload.getBytes())) {
      return READER.read(parser, context);
    } catch (JsonProcessingException e) {
      return DecodeResult.rejected(
          "malformed CBOR at offset "
              + TelemetryReader.offset(e.getLocation())
              + ": "
              + e.getOriginalMessage());
    } catch (IOException | RuntimeException e) {
      return DecodeResult.rejected("unreadable CBOR: " + e.getMessage());
    }
  }

  /** A tag 1 number: seconds since the epoch, fractions allowed, converted to milliseconds. */
  private static Long epochSeconds(JsonParser parser, JsonToken token) throws IOException {
    if (!(parser instanceof CBORParser cbor) || cbor.getCurrentTag() != TAG_EPOCH_SECONDS) {
      return null;
    }
    if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
      double seconds = parser.getDoubleValue();
      double millis = seconds * 1000.0;
      if (Double.isFinite(millis) && millis >= 0 && millis < Long.MAX_VALUE) {
        return Math.round(millis);
      }
    }
    return Long.MIN_VALUE;
  }
}
