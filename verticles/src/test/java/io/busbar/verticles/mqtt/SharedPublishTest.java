package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
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
import java.nio.charset.StandardCharsets;
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

  /**
   * Verifies that one QoS 0 message reaches 3.1.1 subscribers over TCP and WebSocket and 5.0
   * subscribers intact (RETAIN as each subscription asks, user properties kept), and that every
   * delivery is counted in messages.out and bytes.out.
   */
  @Test
  void deliversSharedEncodingsToEveryKindOfSubscriber() throws Exception {
    MqttConfig config =
        new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
            .withWebSocketPort(0);
    try (BrokerFixture broker = BrokerFixture.start(config)) {
      String token = broker.appToken("shared-app", "acme");
      Mqtt3BlockingClient tcp3 = broker.connectV3("sh-tcp3", "shared-app", token);
      Mqtt3BlockingClient ws3 =
          MqttClient.builder()
              .useMqttVersion3()
              .identifier("sh-ws3")
              .serverHost("127.0.0.1")
              .serverPort(broker.verticle.actualWebSocketPort())
              .webSocketConfig()
              .serverPath("mqtt")
              .applyWebSocketConfig()
              .buildBlocking();
      ws3.connectWith()
          .simpleAuth()
          .username("shared-app")
          .password(token.getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth()
          .send();
      // no topic aliases: the shared bytes apply to a 5.0 receiver too
      Mqtt5BlockingClient v5 = broker.v5Client("sh-v5");
      v5.connectWith()
          .simpleAuth()
          .username("shared-app")
          .password(token.getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth()
          .restrictions()
          .topicAliasMaximum(0)
          .applyRestrictions()
          .send();
      var in3 = tcp3.publishes(MqttGlobalPublishFilter.ALL);
      var inWs = ws3.publishes(MqttGlobalPublishFilter.ALL);
      var in5 = v5.publishes(MqttGlobalPublishFilter.ALL);
      tcp3.subscribeWith().topicFilter("shared/#").qos(MqttQos.AT_MOST_ONCE).send();
      ws3.subscribeWith().topicFilter("shared/#").qos(MqttQos.AT_MOST_ONCE).send();
      v5.subscribeWith()
          .topicFilter("shared/#")
          .qos(MqttQos.AT_MOST_ONCE)
          .retainAsPublished(true)
          .send();
      double outBefore = broker.counter("busbar.mqtt.messages.out");
      double bytesBefore = broker.counter("busbar.mqtt.bytes.out");

      Mqtt5BlockingClient pub = broker.connectV5("sh-pub", "", token);
      pub.publishWith().topic("shared/a").payload("plain".getBytes()).retain(true).send();
      pub.publishWith()
          .topic("shared/b")
          .payload("with-prop".getBytes())
          .userProperties()
          .add("k", "v")
          .applyUserProperties()
          .send();

      for (var in : java.util.List.of(in3, inWs)) {
        var first = in.receive(5, TimeUnit.SECONDS).orElseThrow();
        assertThat(first.getTopic().toString()).isEqualTo("shared/a");
        assertThat(first.getPayloadAsBytes()).isEqualTo("plain".getBytes());
        assertThat(first.isRetain()).isFalse(); // MQTT 3.1.1 §3.3.1.3: cleared on live delivery
        var second = in.receive(5, TimeUnit.SECONDS).orElseThrow();
        assertThat(second.getTopic().toString()).isEqualTo("shared/b");
        assertThat(second.getPayloadAsBytes()).isEqualTo("with-prop".getBytes());
      }
      Mqtt5Publish first = in5.receive(5, TimeUnit.SECONDS).orElseThrow();
      assertThat(first.getPayloadAsBytes()).isEqualTo("plain".getBytes());
      assertThat(first.isRetain()).isTrue(); // retain-as-published
      Mqtt5Publish second = in5.receive(5, TimeUnit.SECONDS).orElseThrow();
      assertThat(second.getUserProperties().asList()).hasSize(1);
      assertThat(second.getUserProperties().asList().get(0).getName().toString()).isEqualTo("k");

      assertThat(broker.counter("busbar.mqtt.messages.out") - outBefore).isEqualTo(6);
      assertThat(broker.counter("busbar.mqtt.bytes.out") - bytesBefore)
          .isEqualTo(3 * ("plain".length() + "with-prop".length()));
      pub.disconnect();
      v5.disconnect();
      ws3.disconnect();
      tcp3.disconnect();
    }
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
