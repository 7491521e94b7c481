package io.busbar.verticles.mqtt;

import io.busbar.verticles.mqtt.session.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;

/**
 * A QoS 0 PUBLISH encoded once per message and written to every subscriber that gets the same
 * bytes, instead of one {@code MqttPublishMessage} built and encoded per subscriber: a fan-out to
 * 50 subscribers costs one encoding and 50 reference-counted views of one buffer.
 *
 * <p>The bytes are the same for every QoS 0 receiver of one protocol family and RETAIN flag: no
 * packet identifier (MQTT 3.1.1 §3.3.2.2, 5.0 §3.3.2.2), DUP 0 (§3.3.1.1). For MQTT 5 only when the
 * PUBLISH carries no properties at all — none passed through, no message expiry interval, no
 * subscription identifier and no topic alias for this receiver (5.0 §3.3.2.3); everything else
 * takes the per-subscriber path.
 *
 * <p>One per event-loop thread ({@link #current()}); it keeps the encoding of the last message
 * only, which is what a fan-out loop asks for again and again. Not thread-safe.
 */
final class SharedPublish {

  private static final FastThreadLocal<SharedPublish> PER_THREAD =
      new FastThreadLocal<>() {
        @Override
        protected SharedPublish initialValue() {
          return new SharedPublish();
        }
      };

  /** Property ids that never travel from the publisher to a receiver (5.0 §3.3.2.3). */
  private static final int TOPIC_ALIAS = MqttPropertyType.TOPIC_ALIAS.value();

  private static final int SUBSCRIPTION_IDENTIFIER =
      MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value();

  private Message message;
  private boolean retain;
  private boolean v5;

  /** The encoding of {@link #message}, or {@code null} when it has none to share. */
  private ByteBuf bytes;

  private SharedPublish() {}

  /** The instance of the calling event-loop thread. */
  static SharedPublish current() {
    return PER_THREAD.get();
  }

  /**
   * The QoS 0 PUBLISH of {@code m} for a receiver without subscription identifiers or topic
   * aliases, as a retained view the caller writes (or releases); {@code null} when {@code m} cannot
   * be shared (an MQTT 5 message with properties).
   */
  ByteBuf encoded(Message m, boolean retain, boolean v5) {
    if (m != message || retain != this.retain || v5 != this.v5) {
      if (bytes != null) {
        bytes.release();
        bytes = null;
      }
      message = m;
      this.retain = retain;
      this.v5 = v5;
      if (!v5 || withoutProperties(m)) {
        bytes = encode(m, retain, v5);
      }
    }
    return bytes == null ? null : bytes.retainedDuplicate();
  }

  /** Whether {@code m} goes to a 5.0 receiver without any property. */
  static boolean withoutProperties(Message m) {
    if (m.expiresAt() != Long.MAX_VALUE) {
      return false; // §3.3.2.3.3: the receiver gets the remaining expiry interval
    }
    MqttProperties props = m.properties();
    if (props == MqttProperties.NO_PROPERTIES) {
      return true; // (not isEmpty(): Netty's leaves user properties out)
    }
    for (MqttProperties.MqttProperty<?> p : props.listAll()) {
      int id = p.propertyId();
      if (id != TOPIC_ALIAS && id != SUBSCRIPTION_IDENTIFIER) {
        return false; // passed through unaltered (§3.3.2.3)
      }
    }
    return true;
  }

  /** MQTT 3.1.1 §3.3 / 5.0 §3.3: fixed header, topic name, [property length 0], payload. */
  static ByteBuf encode(Message m, boolean retain, boolean v5) {
    byte[] topic = m.topic().getBytes(StandardCharsets.UTF_8);
    int payload = m.payload().length();
    int remaining = 2 + topic.length + (v5 ? 1 : 0) + payload;
    ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(1 + 4 + remaining);
    buf.writeByte(0x30 | (retain ? 0x01 : 0)); // PUBLISH, DUP 0, QoS 0
    int length = remaining;
    do { // §2.2.3 / §1.5.5: variable byte integer
      int digit = length & 0x7F;
      length >>>= 7;
      buf.writeByte(length > 0 ? digit | 0x80 : digit);
    } while (length > 0);
    buf.writeShort(topic.length);
    buf.writeBytes(topic);
    if (v5) {
      buf.writeByte(0); // §3.3.2.3.1: property length
    }
    ByteBuf body = ((BufferInternal) m.payload()).getByteBuf();
    buf.writeBytes(body, body.readerIndex(), payload);
    return buf;
  }
}
