package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Validation of {@link HttpConfig}. */
@Timeout(5)
class HttpConfigTest {

  /** Verifies the defaults and that port 0 (any free port) is allowed. */
  @Test
  void defaultsAndAnyPort() {
    assertThat(HttpConfig.defaults()).isEqualTo(new HttpConfig("127.0.0.1", 8080, "node-1"));
    assertThat(new HttpConfig("0.0.0.0", 0, "n").port()).isZero();
  }

  /** Verifies that a bad port or blank host/node id is rejected naming the key and value. */
  @Test
  void rejectsBadValues() {
    assertThatThrownBy(() -> new HttpConfig("127.0.0.1", 65536, "n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("http.port must be 0..65535, was 65536");
    assertThatThrownBy(() -> new HttpConfig("127.0.0.1", -1, "n"))
        .hasMessageContaining("http.port");
    assertThatThrownBy(() -> new HttpConfig(" ", 1, "n")).hasMessageContaining("http.host");
    assertThatThrownBy(() -> new HttpConfig("h", 1, "")).hasMessageContaining("http.nodeId");
    assertThatThrownBy(() -> new HttpConfig(null, 1, "n")).hasMessageContaining("http.host");
  }

  /** Verifies that {@code /mqtt} is off by default and that its upstream port is checked. */
  @Test
  void mqttUpstream() {
    assertThat(HttpConfig.defaults().mqttOverWebSocket()).isFalse();
    HttpConfig relayed = HttpConfig.defaults().withMqttUpstream("127.0.0.1", 41883, 1 << 20);
    assertThat(relayed.mqttOverWebSocket()).isTrue();
    assertThat(relayed.maxWebSocketFrameSize()).isEqualTo(1 << 20);
    assertThat(relayed.port()).isEqualTo(HttpConfig.DEFAULT_PORT);
    assertThatThrownBy(() -> HttpConfig.defaults().withMqttUpstream("127.0.0.1", 0, 65_536))
        .hasMessageContaining("http.mqttUpstreamPort");
    assertThatThrownBy(() -> HttpConfig.defaults().withMqttUpstream("127.0.0.1", 1883, 10))
        .hasMessageContaining("http.maxWebSocketFrameSize");
  }
}
