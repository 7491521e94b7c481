package io.busbar.codecs.sparkplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class SparkplugCommandsTest {

  /**
   * Verifies §6.4.12: the rebirth NCMD sets Node Control/Rebirth = true on the node's NCMD topic.
   */
  @Test
  void encodesRebirth() throws Exception {
    SparkplugCommands.Command cmd =
        SparkplugCommands.rebirth(new RebirthRequest("g", "e", "seq gap"), 42);
    assertThat(cmd.topic()).isEqualTo("spBv1.0/g/NCMD/e");
    assertThat(cmd.qos()).isZero();
    assertThat(cmd.retain()).isFalse();
    Payload p = Payload.parseFrom(cmd.payload());
    assertThat(p.getTimestamp()).isEqualTo(42);
    assertThat(p.getMetrics(0).getName()).isEqualTo("Node Control/Rebirth");
    assertThat(p.getMetrics(0).getDatatype()).isEqualTo(DataType.Boolean_VALUE);
    assertThat(p.getMetrics(0).getBooleanValue()).isTrue();
  }

  /** Verifies that DCMD writes by name and by alias carry the value in the datatype's field. */
  @Test
  void encodesWritesByNameAndAlias() throws Exception {
    SparkplugCommands.Command cmd =
        SparkplugCommands.dcmd(
            "g",
            "e",
            "press",
            List.of(
                SparkplugCommands.Write.byName("Setpoint", DataType.Double, 72.5),
                SparkplugCommands.Write.byAlias(11, DataType.Int16, -3),
                SparkplugCommands.Write.byName("Mode", DataType.String, "AUTO")),
            7);
    assertThat(cmd.topic()).isEqualTo("spBv1.0/g/DCMD/e/press");
    Payload p = Payload.parseFrom(cmd.payload());
    assertThat(p.getMetrics(0).getDoubleValue()).isEqualTo(72.5);
    assertThat(p.getMetrics(1).hasName()).isFalse();
    assertThat(p.getMetrics(1).getAlias()).isEqualTo(11);
    assertThat((short) p.getMetrics(1).getIntValue()).isEqualTo((short) -3);
    assertThat(p.getMetrics(2).getStringValue()).isEqualTo("AUTO");
    // the host decodes its own command back to the same values
    SparkplugHostState host = new SparkplugHostState();
    assertThat(MetricValues.value(p.getMetrics(1), DataType.Int16_VALUE))
        .isEqualTo(io.busbar.codecs.model.Value.of(-3));
    assertThat(host.statuses()).isEmpty();
    assertThatThrownBy(
            () ->
                SparkplugCommands.ncmd(
                    "g",
                    "e",
                    List.of(SparkplugCommands.Write.byName("x", DataType.Boolean, "yes")),
                    1))
        .hasMessageContaining("metric 'x': Boolean needs true or false");
  }

  /** Verifies §4.1.3: the host STATE is retained QoS 1 JSON with online and timestamp. */
  @Test
  void encodesHostState() {
    SparkplugCommands.Command birth = SparkplugCommands.hostState("busbar", true, 99);
    assertThat(birth.topic()).isEqualTo("spBv1.0/STATE/busbar");
    assertThat(birth.retain()).isTrue();
    assertThat(birth.qos()).isEqualTo(1);
    assertThat(new String(birth.payload(), StandardCharsets.UTF_8))
        .isEqualTo("{\"online\":true,\"timestamp\":99}");
  }
}
