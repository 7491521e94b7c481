package io.busbar.codecs.cbor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import io.busbar.codecs.json.JsonTelemetryDecoder;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CborTelemetryDecoderTest {

  private static final MessageContext CTX =
      new MessageContext("acme", "d1", "devices/d1/telemetry", 5_000L, "application/cbor");
  private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());
  private final CborTelemetryDecoder decoder = new CborTelemetryDecoder();

  private static byte[] cbor(Object tree) throws IOException {
    return CBOR.writeValueAsBytes(tree);
  }

  private DecodeResult decode(byte[] bytes) {
    return decoder.decode(CTX, Buffer.buffer(bytes));
  }

  private List<Event> events(byte[] bytes) {
    DecodeResult result = decode(bytes);
    assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
    return ((DecodeResult.Decoded) result).events();
  }

  private String reason(byte[] bytes) {
    DecodeResult result = decode(bytes);
    assertThat(result).isInstanceOf(DecodeResult.Rejected.class);
    return ((DecodeResult.Rejected) result).reason();
  }

  /** Verifies that a CBOR document decodes to exactly the events of the same JSON document. */
  @Test
  void decodesTheSameModelAsJson() throws IOException {
    String json =
        "{\"ts\":1732440000000,\"metrics\":{\"temperature\":71.2,\"state\":\"RUNNING\","
            + "\"door\":false,\"power_kw\":{\"value\":12.5,\"unit\":\"kW\",\"quality\":\"UNCERTAIN\","
            + "\"ts\":\"2024-11-24T09:20:00Z\"}}}";
    byte[] bytes = cbor(new ObjectMapper().readValue(json, Map.class));
    DecodeResult fromJson = new JsonTelemetryDecoder().decode(CTX, Buffer.buffer(json));
    assertThat(decode(bytes)).isEqualTo(fromJson);
    assertThat(events(bytes)).hasSize(4);
    assertThat(events(bytes).get(3))
        .isEqualTo(
            new Event(
                "acme",
                "d1",
                "power_kw",
                1732440000000L,
                Value.of(12.5),
                Quality.UNCERTAIN,
                "kW",
                "devices/d1/telemetry"));
  }

  /** Verifies that a tag 1 epoch time in seconds (RFC 8949 §3.4.2) is read as the payload time. */
  @Test
  void readsTagOneEpochSeconds() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = (CBORGenerator) CBOR.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeFieldName("ts");
      g.writeTag(1);
      g.writeNumber(1732440000.25);
      g.writeFieldName("metrics");
      g.writeStartObject();
      g.writeFieldName("t");
      g.writeStartObject();
      g.writeFieldName("value");
      g.writeNumber(3);
      g.writeFieldName("ts");
      g.writeTag(1);
      g.writeNumber(1732440001L);
      g.writeEndObject();
      g.writeFieldName("u");
      g.writeNumber(4);
      g.writeEndObject();
      g.writeEndObject();
    }
    List<Event> events = events(out.toByteArray());
    assertThat(events.get(0).timestamp()).isEqualTo(1732440001000L);
    assertThat(events.get(1).timestamp()).isEqualTo(1732440000250L);
  }

  /** Verifies that bad CBOR documents are rejected with reasons naming the field or offset. */
  @Test
  void rejectsBadDocumentsWithPreciseReasons() throws IOException {
    assertThat(reason(new byte[0])).contains("empty");
    assertThat(reason(cbor(List.of(1, 2)))).contains("expected a CBOR object");
    assertThat(reason(cbor(Map.of("ts", 1)))).contains("missing field \"metrics\"");
    assertThat(reason(cbor(Map.of("metrics", Map.of("t", new byte[] {1, 2})))))
        .contains("metric \"t\"");
    Map<String, Object> badTs = new LinkedHashMap<>();
    badTs.put("ts", "yesterday");
    badTs.put("metrics", Map.of("t", 1));
    assertThat(reason(cbor(badTs))).contains("\"ts\"");
    assertThat(reason(cbor(Map.of("metrics", Map.of("t", Double.NaN))))).contains("metric \"t\"");
    byte[] truncated = cbor(Map.of("metrics", Map.of("temperature", 71.25)));
    byte[] cut = java.util.Arrays.copyOf(truncated, truncated.length - 3);
    assertThat(reason(cut)).containsPattern("CBOR at offset \\d+");
    byte[] trailing = java.util.Arrays.copyOf(truncated, truncated.length + 1);
    assertThat(reason(trailing)).contains("trailing content");
  }

  /** Verifies that a tag 1 time that is not a number is rejected, not guessed. */
  @Test
  void rejectsTaggedTimeThatIsNotANumber() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = (CBORGenerator) CBOR.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeFieldName("ts");
      g.writeTag(1);
      g.writeString("soon");
      g.writeFieldName("metrics");
      g.writeStartObject();
      g.writeNumberField("t", 1);
      g.writeEndObject();
      g.writeEndObject();
    }
    assertThat(reason(out.toByteArray())).contains("field \"ts\"");
  }

  /** Verifies that no byte sequence makes the decoder throw: random and mutated inputs. */
  @Test
  void neverThrowsOnArbitraryBytes() throws IOException {
    Random random = new Random(4321);
    byte[] valid =
        cbor(Map.of("ts", 1, "metrics", Map.of("a", Map.of("value", 1.5, "unit", "x"), "b", "s")));
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes;
      if (i % 2 == 0) {
        bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
      } else {
        bytes = valid.clone();
        for (int m = 0; m <= random.nextInt(3); m++) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
      }
      assertThat(decoder.decode(CTX, Buffer.buffer(bytes))).isNotNull();
    }
  }
}
