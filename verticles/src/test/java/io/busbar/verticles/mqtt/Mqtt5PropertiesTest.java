package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import org.junit.jupiter.api.Test;

class Mqtt5PropertiesTest {

  private static MqttProperties integer(MqttPropertyType type, int value) {
    MqttProperties p = new MqttProperties();
    p.add(new IntegerProperty(type.value(), value));
    return p;
  }

  /**
   * Verifies the CONNECT property values MQTT 5.0 §3.1.2.11 calls a Protocol Error, and no more.
   */
  @Test
  void connectProtocolErrors() {
    assertThat(Mqtt5Properties.connectProtocolError(MqttProperties.NO_PROPERTIES)).isNull();
    assertThat(Mqtt5Properties.connectProtocolError(integer(MqttPropertyType.RECEIVE_MAXIMUM, 0)))
        .contains("receive maximum");
    assertThat(Mqtt5Properties.connectProtocolError(integer(MqttPropertyType.RECEIVE_MAXIMUM, 1)))
        .isNull();
    assertThat(
            Mqtt5Properties.connectProtocolError(integer(MqttPropertyType.MAXIMUM_PACKET_SIZE, 0)))
        .contains("maximum packet size");
    for (MqttPropertyType flag :
        new MqttPropertyType[] {
          MqttPropertyType.REQUEST_PROBLEM_INFORMATION,
          MqttPropertyType.REQUEST_RESPONSE_INFORMATION
        }) {
      assertThat(Mqtt5Properties.connectProtocolError(integer(flag, 0))).isNull();
      assertThat(Mqtt5Properties.connectProtocolError(integer(flag, 1))).isNull();
      assertThat(Mqtt5Properties.connectProtocolError(integer(flag, 2))).contains("0 or 1");
    }
    MqttProperties dataOnly = new MqttProperties();
    dataOnly.add(new BinaryProperty(MqttPropertyType.AUTHENTICATION_DATA.value(), new byte[] {1}));
    assertThat(Mqtt5Properties.connectProtocolError(dataOnly)).contains("authentication method");
    dataOnly.add(new StringProperty(MqttPropertyType.AUTHENTICATION_METHOD.value(), "JWT"));
    assertThat(Mqtt5Properties.connectProtocolError(dataOnly)).isNull();
  }
}
