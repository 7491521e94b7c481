package io.busbar.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.verticles.mqtt.MqttConfig;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code mqtt.receive-maximum} (the in-flight window of a MQTT 5 client towards the broker) and
 * {@code mqtt.connect-timeout} (how long a socket may wait before its CONNECT).
 */
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

  /** Verifies the connect timeout's default, that the key sets it, and that 0 names the key. */
  @Test
  void setsTheConnectTimeout() {
    assertThat(BusbarConfig.from(ConfigValues.defaults()).mqtt().connectTimeoutSeconds())
        .isEqualTo(MqttConfig.DEFAULT_CONNECT_TIMEOUT_SECONDS);
    BusbarConfig config =
        BusbarConfig.from(
            ConfigValues.defaults().with(Map.of("mqtt.connect-timeout", "5"), "test"));
    assertThat(config.mqtt().connectTimeoutSeconds()).isEqualTo(5);
    assertThatThrownBy(
            () ->
                BusbarConfig.from(
                    ConfigValues.defaults().with(Map.of("mqtt.connect-timeout", "0"), "test")))
        .hasMessageContaining("mqtt.connect-timeout");
  }
}
