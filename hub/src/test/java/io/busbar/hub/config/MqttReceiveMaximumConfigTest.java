package io.busbar.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.verticles.mqtt.MqttConfig;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code mqtt.receive-maximum}: the in-flight window of a MQTT 5 client towards the broker. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MqttReceiveMaximumConfigTest {

  /** Verifies that the packaged default is the documented constant. */
  @Test
  void defaultsToTheDocumentedWindow() {
    assertThat(BusbarConfig.from(ConfigValues.defaults()).mqtt().receiveMaximum())
        .isEqualTo(MqttConfig.DEFAULT_RECEIVE_MAXIMUM);
  }

  /** Verifies that the key sets the window, and 0 (not a valid Receive Maximum) names the key. */
  @Test
  void setsTheWindow() {
    BusbarConfig config =
        BusbarConfig.from(
            ConfigValues.defaults().with(Map.of("mqtt.receive-maximum", "20"), "test"));
    assertThat(config.mqtt().receiveMaximum()).isEqualTo(20);
    assertThatThrownBy(
            () ->
                BusbarConfig.from(
                    ConfigValues.defaults().with(Map.of("mqtt.receive-maximum", "0"), "test")))
        .hasMessageContaining("mqtt.receive-maximum");
  }
}
