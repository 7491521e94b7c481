package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.verticles.mqtt.session.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SharedPublishTest {

  private static Message message(String topic, int payloadSize, MqttProperties props, long exp) {
    byte[] payload = new byte[payloadSize];
    for (int i = 0; i < payloadSize; i++) {
      payload[i] = (byte) i;
    }
    return new Message("t", topic, Buffer.buffer(payload), 0, true, props, "pub", exp);
  }

  /** Netty's own encoding of the QoS 0 PUBLISH, on a channel that saw a CONNECT of {@code v}. */
  private static ByteBuf nettyEncoding(Message m, boolean retain, MqttVersion v) {
    EmbeddedChannel channel = new EmbeddedChannel(MqttEncoder.INSTANCE);
    channel.writeOutbound(
        MqttMessageBuilders.connect().clientId("c").protocolVersion(v).cleanSession(true).build());
    ((ByteBuf) channel.readOutbound()).release();
    MqttMessage publish =
        new MqttPublishMessage(
            new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_MOST_ONCE, retain, 0),
            new MqttPublishVariableHeader(m.topic(), 0, MqttProperties.NO_PROPERTIES),
            Unpooled.wrappedBuffer(m.payload().getBytes()));
    channel.writeOutbound(publish);
    ByteBuf out = Unpooled.buffer();
    for (Object part; (part = channel.readOutbound()) != null; ) {
      out.writeBytes((ByteBuf) part);
      ((ByteBuf) part).release();
    }
    channel.finishAndReleaseAll();
    return out;
  }

  /** Verifies that the shared encoding is byte for byte Netty's MqttEncoder output. */
  @ParameterizedTest
  @CsvSource({
    "a/b, 64, false, false",
    "a/b, 64, true, false",
    "a/b, 64, false, true",
    "a/b, 64, true, true",
    "plant/line-1/øven/température, 200, false, true",
    "x, 0, false, false",
    "x, 20000, true, true",
  })
  void encodesLikeNetty(String topic, int payloadSize, boolean retain, boolean v5) {
    Message m = message(topic, payloadSize, MqttProperties.NO_PROPERTIES, Long.MAX_VALUE);
    ByteBuf expected = nettyEncoding(m, retain, v5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1);
    ByteBuf mine = SharedPublish.encode(m, retain, v5);
    try {
      assertThat(ByteBufUtil.hexDump(mine)).isEqualTo(ByteBufUtil.hexDump(expected));
    } finally {
      mine.release();
      expected.release();
    }
  }

  /**
   * Verifies that one message is encoded once per flag combination and handed out as views, and
   * that 5.0 messages with properties or an expiry are not shared.
   */
  @Test
  void sharesOneEncodingPerMessage() {
    SharedPublish shared = SharedPublish.current();
    Message m = message("a/b", 10, MqttProperties.NO_PROPERTIES, Long.MAX_VALUE);
    ByteBuf first = shared.encoded(m, false, false);
    ByteBuf second = shared.encoded(m, false, false);
    assertThat(first.unwrap()).isSameAs(second.unwrap());
    assertThat(ByteBufUtil.equals(first, second)).isTrue();
    first.release();
    second.release();

    MqttProperties user = new MqttProperties();
    user.add(new MqttProperties.UserProperty("k", "v"));
    assertThat(shared.encoded(message("a/b", 10, user, Long.MAX_VALUE), false, true)).isNull();
    assertThat(
            shared.encoded(
                message("a/b", 10, MqttProperties.NO_PROPERTIES, System.currentTimeMillis() + 5000),
                false,
                true))
        .isNull();
    MqttProperties alias = new MqttProperties();
    alias.add(
        new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value(), 3));
    ByteBuf stripped = shared.encoded(message("a/b", 10, alias, Long.MAX_VALUE), false, true);
    assertThat(stripped).isNotNull();
    stripped.release();
    // 3.1.1 receivers never get properties: the message is shared for them
    ByteBuf v3 = shared.encoded(message("a/b", 10, user, Long.MAX_VALUE), true, false);
    assertThat(v3.getByte(0)).isEqualTo((byte) 0x31);
    v3.release();
  }
}
