package io.busbar.verticles.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import java.util.List;

/** Reading and forwarding MQTT 5 properties (MQTT 5.0 §2.2.2). Pure functions. */
final class Mqtt5Properties {

  private Mqtt5Properties() {}

  /** An integer property, or {@code absent} when not there. */
  static long integer(MqttProperties props, MqttPropertyType type, long absent) {
    if (props == null) {
      return absent;
    }
    MqttProperty<?> p = props.getProperty(type.value());
    if (p == null || !(p.value() instanceof Integer i)) {
      return absent;
    }
    // four-byte integers arrive as signed ints; read them unsigned
    return Integer.toUnsignedLong(i);
  }

  /**
   * What makes a 5.0 CONNECT's properties a Protocol Error (MQTT 5.0 §3.1.2.11), or {@code null}: a
   * Receive Maximum or Maximum Packet Size of 0, a Request Problem or Response Information other
   * than 0 or 1, Authentication Data without an Authentication Method. (A property given twice is
   * one too, but the decoder keeps only the last.)
   */
  static String connectProtocolError(MqttProperties props) {
    if (integer(props, MqttPropertyType.RECEIVE_MAXIMUM, 1) == 0) {
      return "receive maximum 0"; // §3.1.2.11.3
    }
    if (integer(props, MqttPropertyType.MAXIMUM_PACKET_SIZE, 1) == 0) {
      return "maximum packet size 0"; // §3.1.2.11.4
    }
    if (integer(props, MqttPropertyType.REQUEST_RESPONSE_INFORMATION, 0) > 1) {
      return "request response information must be 0 or 1"; // §3.1.2.11.6
    }
    if (integer(props, MqttPropertyType.REQUEST_PROBLEM_INFORMATION, 1) > 1) {
      return "request problem information must be 0 or 1"; // §3.1.2.11.7
    }
    if (props != null
        && props.getProperty(MqttPropertyType.AUTHENTICATION_DATA.value()) != null
        && string(props, MqttPropertyType.AUTHENTICATION_METHOD) == null) {
      return "authentication data without an authentication method"; // §3.1.2.11.10
    }
    return null;
  }

  /** A string property, or {@code null}. */
  static String string(MqttProperties props, MqttPropertyType type) {
    if (props == null) {
      return null;
    }
    MqttProperty<?> p = props.getProperty(type.value());
    return p != null && p.value() instanceof String s ? s : null;
  }

  /**
   * Properties of a PUBLISH sent to a subscriber: those of the original PUBLISH passed through
   * unaltered (MQTT 5.0 §3.3.2.3: payload format, content type, response topic, correlation data,
   * user properties), without the publisher's topic alias and subscription ids, with the receiver's
   * subscription identifiers and the remaining message expiry interval.
   */
  static MqttProperties forDelivery(
      MqttProperties original, List<Integer> subscriptionIds, long expiresAt, long now) {
    MqttProperties out = new MqttProperties();
    for (MqttProperty<?> p : original.listAll()) {
      int id = p.propertyId();
      if (id == MqttPropertyType.TOPIC_ALIAS.value()
          || id == MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value()
          || id == MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value()) {
        continue;
      }
      out.add(p);
    }
    for (Integer sid : subscriptionIds) {
      out.add(new IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), sid));
    }
    if (expiresAt != Long.MAX_VALUE) {
      // MQTT 5.0 §3.3.2.3.3: the receiver gets the interval minus the time spent in the broker
      long remaining = Math.max(1, (expiresAt - now + 999) / 1000);
      out.add(
          new IntegerProperty(
              MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), (int) remaining));
    }
    return out;
  }

  static MqttProperties reasonString(String reason) {
    MqttProperties props = new MqttProperties();
    props.add(new StringProperty(MqttPropertyType.REASON_STRING.value(), reason));
    return props;
  }
}
