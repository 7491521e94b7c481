package io.busbar.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code mqtt.server-keep-alive}: the longest keep alive a MQTT 5 client may use. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MqttServerKeepAliveConfigTest {

  /** Verifies that by default the client's keep alive is used (0). */
  @Test
  void clientsKeepAliveByDefault() {
    assertThat(BusbarConfig.from(ConfigValues.defaults()).mqtt().serverKeepAliveSeconds()).isZero();
  }

  /** Verifies that the key sets the broker's maximum, and a negative value names the key. */
  @Test
  void setsMaximum() {
    BusbarConfig config =
        BusbarConfig.from(
            ConfigValues.defaults().with(Map.of("mqtt.server-keep-alive", "120"), "test"));
    assertThat(config.mqtt().serverKeepAliveSeconds()).isEqualTo(120);
    assertThatThrownBy(
            () ->
                BusbarConfig.from(
                    ConfigValues.defaults().with(Map.of("mqtt.server-keep-alive", "-1"), "test")))
        .hasMessageContaining("mqtt.server-keep-alive");
  }
}
