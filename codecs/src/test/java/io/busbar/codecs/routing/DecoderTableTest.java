package io.busbar.codecs.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DecoderTableTest {

  /** Verifies that the default table matches telemetry topics and names the device. */
  @Test
  void defaultTableMatchesTelemetry() {
    DecoderTable table = DecoderTable.defaults();
    assertThat(table.resolve("devices/d1/telemetry"))
        .hasValueSatisfying(m -> assertThat(m.deviceId()).isEqualTo("d1"));
    assertThat(table.resolve("devices/d1/telemetry/x")).isEmpty();
    assertThat(table.resolve("devices//telemetry")).isEmpty();
    assertThat(table.resolve("devices/d1/commands/reset")).isEmpty();
    assertThat(table.resolve("other")).isEmpty();
  }

  /**
   * Verifies what HTTP ingest asks of a match: which media types its decoder reads, and that a
   * decoder that throws yields a rejection (a dead letter), not an exception.
   */
  @Test
  void matchTellsMediaTypesAndNeverThrows() {
    DecoderTable.Match telemetry =
        DecoderTable.defaults().resolve(DecoderTable.telemetryTopic("d1")).orElseThrow();
    assertThat(telemetry.contentTypes()).containsExactly("application/cbor", "application/json");
    assertThat(telemetry.reads("Application/CBOR")).isTrue();
    assertThat(telemetry.reads("application/json; charset=utf-8")).isTrue();
    assertThat(telemetry.reads("text/plain")).isFalse();

    DecoderTable.Match broken =
        new DecoderTable.Match(
            "d1",
            (context, payload) -> {
              throw new IllegalStateException("bug");
            });
    assertThat(broken.reads("text/plain")).isTrue(); // not by content type: it decides itself
    assertThat(broken.contentTypes()).isEmpty();
    io.busbar.codecs.model.DecodeResult result =
        broken.decode(
            new io.busbar.codecs.model.MessageContext("t", "d1", "x", 0, null),
            io.vertx.core.buffer.Buffer.buffer("{}"));
    assertThat(result).isInstanceOf(io.busbar.codecs.model.DecodeResult.Rejected.class);
    assertThat(((io.busbar.codecs.model.DecodeResult.Rejected) result).reason())
        .contains("decoder failed");
  }

  /**
   * Verifies that a pattern without exactly one {device} level is refused at configuration time.
   */
  @Test
  void refusesPatternsWithoutDevice() {
    assertThatThrownBy(() -> new DecoderTable.Rule("devices/telemetry", null))
        .hasMessageContaining("{device}");
  }

  /** Verifies that the frames rule names the device and hands the layout level to the decoder. */
  @Test
  void framesRulePicksLayoutByLastLevel() {
    io.busbar.codecs.frame.FrameLayout layout =
        io.busbar.codecs.frame.FrameLayout.fixed(
            "plc1",
            2,
            java.util.List.of(
                io.busbar.codecs.frame.FieldSpec.of("x", 0, io.busbar.codecs.frame.FieldType.U16)),
            null);
    DecoderTable table = DecoderTable.defaults(java.util.Map.of("plc1", layout));
    String topic = "devices/d1/frames/plc1";
    DecoderTable.Match match = table.resolve(topic).orElseThrow();
    assertThat(match.deviceId()).isEqualTo("d1");
    io.busbar.codecs.model.DecodeResult result =
        match
            .decoder()
            .decode(
                new io.busbar.codecs.model.MessageContext("t", "d1", topic, 1, null),
                io.vertx.core.buffer.Buffer.buffer(new byte[] {0, 7}));
    assertThat(result).isInstanceOf(io.busbar.codecs.model.DecodeResult.Decoded.class);
    assertThat(table.resolve("devices/d1/frames")).isEmpty();
    assertThat(table.resolve("devices/d1/frames/")).isEmpty();
    assertThat(table.resolve("devices/d1/telemetry")).isPresent();
  }

  /** Verifies that custom routes are tried in order before the default rules. */
  @Test
  void customRoutesComeFirst() {
    DecoderTable.Match mine = new DecoderTable.Match("x", (c, p) -> null);
    java.util.List<DecoderTable.Route> routes = new java.util.ArrayList<>();
    routes.add(
        (topic, levels) ->
            levels[0].equals("spBv1.0") ? java.util.Optional.of(mine) : java.util.Optional.empty());
    routes.addAll(DecoderTable.defaultRules(java.util.Map.of()));
    DecoderTable table = DecoderTable.of(routes);
    assertThat(table.resolve("spBv1.0/g/NDATA/e")).containsSame(mine);
    assertThat(table.resolve("devices/d1/telemetry")).isPresent();
  }
}
