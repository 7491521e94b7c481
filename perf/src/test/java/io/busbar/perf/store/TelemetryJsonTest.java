package io.busbar.perf.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.codecs.json.JsonTelemetryDecoder;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Value;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TelemetryJsonTest {

  /** Verifies that the node's own JSON decoder reads every reading of a benchmark message. */
  @Test
  void decodesToOneEventPerMetric() {
    ByteBuf out = Unpooled.buffer();
    long before = System.currentTimeMillis();
    new TelemetryJson(10).write(out, 3, 12_345, System.nanoTime(), 0);
    String json = out.toString(StandardCharsets.US_ASCII);

    DecodeResult result =
        new JsonTelemetryDecoder()
            .decode(
                new MessageContext("default", "dev-3", "devices/dev-3/telemetry", 0, null),
                Buffer.buffer(json));

    assertThat(result).as(json).isInstanceOf(DecodeResult.Decoded.class);
    var events = ((DecodeResult.Decoded) result).events();
    assertThat(events).hasSize(10);
    assertThat(events)
        .extracting(Event::metric)
        .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
    assertThat(events).allSatisfy(e -> assertThat(e.timestamp()).isBetween(before, before + 5_000));
    assertThat(events).allSatisfy(e -> assertThat(e.value()).isInstanceOf(Value.Numeric.class));
  }

  /** Verifies that values stay in 0.0 … 999.9 with one decimal for large sequence numbers. */
  @Test
  void valuesHaveOneDecimal() {
    ByteBuf out = Unpooled.buffer();
    new TelemetryJson(1).write(out, 7, Long.MAX_VALUE / 8, 0, 0);
    assertThat(out.toString(StandardCharsets.US_ASCII))
        .matches("\\{\"ts\":\\d+,\"metrics\":\\{\"m0\":\\d{1,3}\\.\\d\\}\\}");
  }

  /** Verifies that a metric count outside 1..256 is refused. */
  @Test
  void refusesBadMetricCount() {
    assertThatThrownBy(() -> new TelemetryJson(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TelemetryJson(257)).isInstanceOf(IllegalArgumentException.class);
  }
}
