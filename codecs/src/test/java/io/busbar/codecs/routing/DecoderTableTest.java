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
   * Verifies that a pattern without exactly one {device} level is refused at configuration time.
   */
  @Test
  void refusesPatternsWithoutDevice() {
    assertThatThrownBy(() -> new DecoderTable.Rule("devices/telemetry", null))
        .hasMessageContaining("{device}");
  }
}
