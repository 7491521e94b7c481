package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** QoS 2, exactly once (MQTT 3.1.1 §4.3.3, 5.0 §4.3.3), with real and raw clients. */
@Timeout(30)
class MqttQos2Test {

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /** Verifies that a QoS 2 message reaches 5.0 and 3.1.1 QoS 2 subscribers once, at QoS 2. */
  @Test
  void deliversQos2OnceToEachSubscriber() throws Exception {
    Mqtt5BlockingClient sub5 = broker.connectApp();
    Mqtt5Publishes in5 = sub5.publishes(MqttGlobalPublishFilter.ALL);
    sub5.subscribeWith().topicFilter("q2/a/#").qos(MqttQos.EXACTLY_ONCE).send();
    Mqtt3BlockingClient sub3 =
        broker.connectV3(BrokerFixture.uniqueId("s3"), "s3", broker.appToken("s3", "acme"));
    Mqtt3BlockingClient.Mqtt3Publishes in3 = sub3.publishes(MqttGlobalPublishFilter.ALL);
    sub3.subscribeWith().topicFilter("q2/+/x").qos(MqttQos.EXACTLY_ONCE).send();

    Mqtt5BlockingClient pub = broker.connectApp();
    pub.publishWith().topic("q2/a/x").qos(MqttQos.EXACTLY_ONCE).payload("once".getBytes()).send();

    Optional<Mqtt5Publish> got5 = in5.receive(5, TimeUnit.SECONDS);
    assertThat(got5).isPresent();
    assertThat(got5.get().getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
    Optional<Mqtt3Publish> got3 = in3.receive(5, TimeUnit.SECONDS);
    assertThat(got3).isPresent();
    assertThat(got3.get().getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
    assertThat(in5.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
    assertThat(in3.receive(100, TimeUnit.MILLISECONDS)).isEmpty();
    pub.disconnect();
    sub5.disconnect();
    sub3.disconnect();
  }

  /**
   * Verifies that a QoS 2 PUBLISH sent again with DUP before PUBREL is acknowledged with PUBREC but
   * routed only once, and that PUBREL is answered with PUBCOMP.
   */
  @Test
  void retransmittedQos2IsRoutedOnce() throws Exception {
    Mqtt5BlockingClient sub = broker.connectApp();
    Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
    sub.subscribeWith().topicFilter("q2/dup").qos(MqttQos.EXACTLY_ONCE).send();

    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              false, "raw-q2", true, 30, "raw", broker.appToken("raw", "acme"), null, 0));
      assertThat(raw.await(Packet.CONNACK, 5000).body()[1]).isEqualTo((byte) 0);
      byte[] payload = "exactly".getBytes(StandardCharsets.UTF_8);
      raw.send(RawMqttClient.publish(false, "q2/dup", 2, 7, false, false, payload));
      assertThat(raw.await(Packet.PUBREC, 5000).packetId()).isEqualTo(7);
      raw.send(RawMqttClient.publish(false, "q2/dup", 2, 7, true, false, payload));
      assertThat(raw.await(Packet.PUBREC, 5000).packetId()).isEqualTo(7);
      raw.send(RawMqttClient.ack(0x62, 7));
      assertThat(raw.await(Packet.PUBCOMP, 5000).packetId()).isEqualTo(7);
    }
    assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
    sub.disconnect();
  }

  /** Verifies the broker's side of an outgoing QoS 2 flow: PUBLISH, PUBREC → PUBREL, PUBCOMP. */
  @Test
  void outgoingQos2Flow() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              false, "raw-q2-sub", true, 30, "rs", broker.appToken("rs", "acme"), null, 0));
      raw.await(Packet.CONNACK, 5000);
      raw.send(RawMqttClient.subscribe(false, 1, "q2/out", 2));
      assertThat(raw.await(Packet.SUBACK, 5000).body()[2]).isEqualTo((byte) 2);

      Mqtt5BlockingClient pub = broker.connectApp();
      pub.publishWith().topic("q2/out").qos(MqttQos.EXACTLY_ONCE).payload("x".getBytes()).send();
      Packet publish = raw.await(Packet.PUBLISH, 5000);
      assertThat(publish.qos()).isEqualTo(2);
      assertThat(publish.dup()).isFalse();
      raw.send(RawMqttClient.ack(0x50, publish.packetId()));
      Packet pubrel = raw.await(Packet.PUBREL, 5000);
      assertThat(pubrel.packetId()).isEqualTo(publish.packetId());
      raw.send(RawMqttClient.ack(0x70, publish.packetId()));
      pub.disconnect();
    }
  }
}
