package io.busbar.codecs.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTelemetryDecoderTest {

  private static final MessageContext CTX =
      new MessageContext("acme", "d1", "devices/d1/telemetry", 5_000L, null);
  private final JsonTelemetryDecoder decoder = new JsonTelemetryDecoder();

  private DecodeResult decode(String json) {
    return decoder.decode(CTX, Buffer.buffer(json));
  }

  private List<Event> events(String json) {
    DecodeResult result = decode(json);
    assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
    return ((DecodeResult.Decoded) result).events();
  }

  private String reason(String json) {
    DecodeResult result = decode(json);
    assertThat(result).isInstanceOf(DecodeResult.Rejected.class);
    return ((DecodeResult.Rejected) result).reason();
  }

  /** Verifies that scalar metrics of each type become typed events stamped with the payload ts. */
  @Test
  void decodesScalarsWithTimestamp() {
    List<Event> events =
        events(
            "{\"ts\":1732440000000,\"metrics\":{\"temperature\":71.2,\"state\":\"RUNNING\",\"door\":false}}");
    assertThat(events)
        .containsExactly(
            new Event(
                "acme",
                "d1",
                "temperature",
                1732440000000L,
                Value.of(71.2),
                Quality.GOOD,
                null,
                "devices/d1/telemetry"),
            new Event(
                "acme",
                "d1",
                "state",
                1732440000000L,
                Value.of("RUNNING"),
                Quality.GOOD,
                null,
                "devices/d1/telemetry"),
            new Event(
                "acme",
                "d1",
                "door",
                1732440000000L,
                Value.of(false),
                Quality.GOOD,
                null,
                "devices/d1/telemetry"));
  }

  /** Verifies that the object form carries unit, quality and a per-metric ISO-8601 time. */
  @Test
  void decodesMetricObjects() {
    List<Event> events =
        events(
            "{\"metrics\":{\"power_kw\":{\"value\":12.5,\"unit\":\"kW\",\"quality\":\"uncertain\",\"ts\":\"2024-11-24T09:20:00Z\"}}}");
    Event e = events.get(0);
    assertThat(e.value()).isEqualTo(Value.of(12.5));
    assertThat(e.unit()).isEqualTo("kW");
    assertThat(e.quality()).isEqualTo(Quality.UNCERTAIN);
    assertThat(e.timestamp()).isEqualTo(1732440000000L);
  }

  /** Verifies that a payload without ts is stamped with the time of receipt. */
  @Test
  void defaultsToReceiptTime() {
    assertThat(events("{\"metrics\":{\"t\":1}}").get(0).timestamp()).isEqualTo(5_000L);
  }

  /** Verifies that each kind of bad payload is rejected with a reason that names the problem. */
  @Test
  void rejectsBadPayloadsWithPreciseReasons() {
    assertThat(reason("")).contains("empty");
    assertThat(reason("{\"metrics\":{\"t\":1")).contains("malformed JSON at offset");
    assertThat(reason("[1,2]")).contains("expected a JSON object");
    assertThat(reason("{\"ts\":1}")).contains("missing field \"metrics\"");
    assertThat(reason("{\"metrics\":{}}")).contains("empty");
    assertThat(reason("{\"metrics\":[1]}")).contains("\"metrics\"");
    assertThat(reason("{\"metrics\":{\"t\":null}}")).contains("metric \"t\"");
    assertThat(reason("{\"metrics\":{\"t\":{\"unit\":\"C\"}}}")).contains("missing \"value\"");
    assertThat(reason("{\"metrics\":{\"t\":{\"value\":1,\"quality\":\"SO-SO\"}}}"))
        .contains("quality");
    assertThat(reason("{\"ts\":\"yesterday\",\"metrics\":{\"t\":1}}")).contains("\"ts\"");
    assertThat(reason("{\"metrics\":{\"t\":1}} trailing")).isNotBlank();
    assertThat(reason("{\"metrics\":{\"\":1}}")).contains("blank");
  }

  /** Verifies that no byte sequence makes the decoder throw: random and mutated inputs. */
  @Test
  void neverThrowsOnArbitraryBytes() {
    Random random = new Random(1234);
    byte[] valid =
        "{\"ts\":1,\"metrics\":{\"a\":{\"value\":1.5,\"unit\":\"x\"},\"b\":\"s\"}}".getBytes();
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes;
      if (i % 2 == 0) {
        bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
      } else {
        bytes = valid.clone();
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      assertThat(decoder.decode(CTX, Buffer.buffer(bytes))).isNotNull();
    }
  }
}
