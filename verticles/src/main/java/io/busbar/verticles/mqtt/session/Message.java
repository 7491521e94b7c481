package io.busbar.verticles.mqtt.session;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.buffer.Buffer;
import java.util.Objects;

/**
 * An application message as the broker received it, before it is addressed to any subscriber.
 *
 * @param tenant the publisher's tenant; the message never leaves it
 * @param topic the topic name
 * @param payload the payload, never {@code null}
 * @param qos the QoS it was published with (0, 1 or 2)
 * @param retain the RETAIN flag it was published with
 * @param properties MQTT 5 properties to pass through (user properties, content type, payload
 *     format, response topic, correlation data); never modified after construction
 * @param publisherId client id of the publisher, for no-local (MQTT 5.0 §3.8.3.1)
 * @param expiresAt epoch milliseconds after which it must not be delivered, or {@code
 *     Long.MAX_VALUE} (MQTT 5.0 §3.3.2.3.3)
 */
public record Message(
    String tenant,
    String topic,
    Buffer payload,
    int qos,
    boolean retain,
    MqttProperties properties,
    String publisherId,
    long expiresAt) {

  public Message {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(topic, "topic");
    payload = payload == null ? Buffer.buffer() : payload;
    properties = properties == null ? MqttProperties.NO_PROPERTIES : properties;
  }

  public boolean isExpired(long now) {
    return now >= expiresAt;
  }
}
