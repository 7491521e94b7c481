package io.busbar.verticles.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Upper estimates of encoded packet sizes, for the client's maximum packet size (5.0 §3.1.2.11.4).
 */
final class PacketSize {

  private PacketSize() {}

  /** The size of a PUBLISH with this topic, properties, payload length and QoS, rounded up. */
  static long publish(String topic, MqttProperties props, int payloadLength, int qos) {
    long variable = 2L + topic.getBytes(StandardCharsets.UTF_8).length + (qos > 0 ? 2 : 0);
    long properties = 0;
    for (MqttProperty<?> p : props.listAll()) {
      properties += 1 + valueSize(p.value());
    }
    long remaining = variable + varIntSize(properties) + properties + payloadLength;
    return 1 + varIntSize(remaining) + remaining;
  }

  private static long valueSize(Object value) {
    if (value instanceof String s) {
      return 2 + s.getBytes(StandardCharsets.UTF_8).length;
    }
    if (value instanceof byte[] b) {
      return 2 + b.length;
    }
    if (value instanceof List<?> list) {
      long n = 0;
      for (Object o : list) {
        // user properties: a key and a value string each; subscription ids: up to 4 + id byte
        n +=
            o instanceof MqttProperties.StringPair pair
                ? 4
                    + pair.key.getBytes(StandardCharsets.UTF_8).length
                    + pair.value.getBytes(StandardCharsets.UTF_8).length
                    + 1
                : 5;
      }
      return n;
    }
    return 4; // integers: at most four bytes
  }

  private static int varIntSize(long n) {
    return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
  }
}
