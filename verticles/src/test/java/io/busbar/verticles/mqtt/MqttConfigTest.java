package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class MqttConfigTest {

  /** Verifies the defaults: 127.0.0.1:1883, 1 MiB packets, anonymous off, memory only. */
  @Test
  void hasDefaults() {
    MqttConfig c = MqttConfig.defaults();
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(1883);
    assertThat(c.maxMessageSize()).isEqualTo(MqttConfig.DEFAULT_MAX_MESSAGE_SIZE);
    assertThat(c.allowAnonymous()).isFalse();
    assertThat(c.webSocketPort()).isEqualTo(-1);
    assertThat(c.dataDir()).isNull();
  }

  /** Verifies that a bad value is refused with an error naming the key and the value. */
  @Test
  void namesTheBadField() {
    assertThatThrownBy(() -> new MqttConfig(" ", 1883, 1024, false))
        .hasMessageContaining("mqtt.host");
    assertThatThrownBy(() -> new MqttConfig("h", 70_000, 1024, false))
        .hasMessageContaining("mqtt.port")
        .hasMessageContaining("70000");
    assertThatThrownBy(() -> new MqttConfig("h", 1, 3, false))
        .hasMessageContaining("mqtt.maxMessageSize");
    MqttConfig ok = MqttConfig.defaults();
    assertThatThrownBy(() -> ok.withQueue(0, ok.queuePolicy()))
        .hasMessageContaining("mqtt.maxQueuedMessages");
    assertThatThrownBy(() -> ok.withTopicAliasMaximum(70_000))
        .hasMessageContaining("mqtt.topicAliasMaximum");
    assertThatThrownBy(() -> ok.withWebSocketPort(-2)).hasMessageContaining("mqtt.webSocketPort");
    assertThatThrownBy(() -> ok.withServerKeepAliveSeconds(-1))
        .hasMessageContaining("mqtt.serverKeepAlive");
    assertThat(ok.serverKeepAliveSeconds()).isZero();
    assertThat(ok.withServerKeepAliveSeconds(30).serverKeepAliveSeconds()).isEqualTo(30);
    assertThatThrownBy(() -> ok.withMaxConnectsPerSecond(-1))
        .hasMessageContaining("mqtt.maxConnectsPerSecond");
    assertThatThrownBy(() -> ok.withMaxQueuedBytes(0)).hasMessageContaining("mqtt.maxQueuedBytes");
  }
}
