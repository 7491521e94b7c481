package io.busbar.codecs.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventBatchMessageCodecTest {

  /** Verifies that a batch of every value type survives the wire form at a non-zero offset. */
  @Test
  void roundTripsThroughTheWireForm() {
    EventBatch batch =
        new EventBatch(
            List.of(
                new Event(
                    "t",
                    "d1",
                    "temp",
                    1L,
                    Value.of(71.25),
                    Quality.GOOD,
                    "°C",
                    "devices/d1/telemetry"),
                new Event(
                    "t",
                    "d1",
                    "state",
                    2L,
                    Value.of("RUNNING"),
                    Quality.STALE,
                    null,
                    "devices/d1/telemetry"),
                new Event("t", "d1", "door", 3L, Value.of(true), Quality.BAD, null, "x")));
    EventBatchMessageCodec codec = new EventBatchMessageCodec();
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, batch);
    assertThat(codec.decodeFromWire(6, wire)).isEqualTo(batch);
    assertThat(codec.transform(batch)).isSameAs(batch);
  }

  /** Verifies that a dead letter keeps its reason and exact payload bytes across the wire. */
  @Test
  void deadLetterRoundTrips() {
    DeadLetter letter =
        new DeadLetter("t", "d1", "devices/d1/telemetry", "bad", new byte[] {0, -1, 7}, 9L);
    DeadLetterMessageCodec codec = new DeadLetterMessageCodec();
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, letter);
    DeadLetter back = codec.decodeFromWire(0, wire);
    assertThat(back.reason()).isEqualTo("bad");
    assertThat(back.payload()).containsExactly(0, -1, 7);
    assertThat(back.receivedAt()).isEqualTo(9L);
  }
}
