package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MQTT 5 features with HiveMQ and Paho v5 clients. */
@Timeout(30)
class MqttV5FeaturesTest {

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static String text(Mqtt5Publish p) {
    return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
  }

  /**
   * Verifies that user properties, content type, payload format, response topic, correlation data
   * and message expiry reach the subscriber intact (MQTT 5.0 §3.3.2.3).
   */
  @Test
  void passesPropertiesThrough() throws Exception {
    Mqtt5BlockingClient sub = broker.connectApp();
    Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
    sub.subscribeWith().topicFilter("props/x").qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt5BlockingClient pub = broker.connectApp();
    pub.publishWith()
        .topic("props/x")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("{}".getBytes())
        .contentType("application/json")
        .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
        .responseTopic("props/reply")
        .correlationData("corr-42".getBytes())
        .messageExpiryInterval(120)
        .userProperties()
        .add("line", "L1")
        .add("shift", "night")
        .applyUserProperties()
        .send();
    Mqtt5Publish p = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(p.getContentType().orElseThrow().toString()).isEqualTo("application/json");
    assertThat(p.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
    assertThat(p.getResponseTopic().orElseThrow().toString()).isEqualTo("props/reply");
    ByteBuffer corr = p.getCorrelationData().orElseThrow();
    byte[] c = new byte[corr.remaining()];
    corr.get(c);
    assertThat(new String(c, StandardCharsets.UTF_8)).isEqualTo("corr-42");
    assertThat(p.getMessageExpiryInterval().orElseThrow()).isBetween(118L, 120L);
    List<? extends Mqtt5UserProperty> ups = p.getUserProperties().asList();
    assertThat(ups)
        .extracting(u -> u.getName() + "=" + u.getValue())
        .containsExactly("line=L1", "shift=night");
    pub.disconnect();
    sub.disconnect();
  }

  /**
   * Verifies that a PUBLISH announcing a UTF-8 payload (payload format indicator 1) that is not
   * UTF-8 gets PUBACK 0x99 and is not delivered (MQTT 5.0 §3.3.2.3.2).
   */
  @Test
  void refusesInvalidUtf8Payload() throws Exception {
    Mqtt5BlockingClient sub = broker.connectApp();
    Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
    sub.subscribeWith().topicFilter("pfi/#").send();
    Mqtt5BlockingClient pub = broker.connectApp();
    com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException.class,
            () ->
                pub.publishWith()
                    .topic("pfi/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .payload(new byte[] {(byte) 0xC3, (byte) 0x28})
                    .send());
    assertThat(e).isNotNull();
    assertThat(e.getMqttMessage().getReasonCode())
        .isEqualTo(
            com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode
                .PAYLOAD_FORMAT_INVALID);
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
    pub.disconnect();
    sub.disconnect();
  }

  /** Verifies that a CONNECT asking for enhanced authentication gets CONNACK 0x8C (§4.12). */
  @Test
  void refusesEnhancedAuthentication() throws Exception {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    RawMqttClient.string(b, "MQTT"); // protocol name
    b.write(5); // protocol level 5
    b.write(0x02); // connect flags: clean start
    b.write(0); // keep alive MSB
    b.write(30); // keep alive LSB
    b.write(1 + 2 + 6); // property length
    b.write(0x15); // authentication method
    RawMqttClient.string(b, "SCRAM1");
    RawMqttClient.string(b, "am-1"); // client id
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(RawMqttClient.packet(0x10, b.toByteArray()));
      RawMqttClient.Packet connack = raw.await(RawMqttClient.Packet.CONNACK, 5000);
      assertThat(connack.body()[1] & 0xFF).isEqualTo(0x8C);
    }
  }

  /**
   * Verifies that a no-local subscription does not get the subscriber's own messages (§3.8.3.1).
   */
  @Test
  void noLocal() throws Exception {
    Mqtt5BlockingClient self = broker.connectApp();
    Mqtt5Publishes in = self.publishes(MqttGlobalPublishFilter.ALL);
    self.subscribeWith().topicFilter("nolocal/t").noLocal(true).send();
    self.publishWith().topic("nolocal/t").payload("mine".getBytes()).send();
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
    Mqtt5BlockingClient other = broker.connectApp();
    other.publishWith().topic("nolocal/t").payload("theirs".getBytes()).send();
    assertThat(text(in.receive(5, TimeUnit.SECONDS).orElseThrow())).isEqualTo("theirs");
    other.disconnect();
    self.disconnect();
  }

  /** Verifies retain-as-published: live deliveries keep RETAIN=1 for such a subscription only. */
  @Test
  void retainAsPublished() throws Exception {
    Mqtt5BlockingClient keep = broker.connectApp();
    Mqtt5BlockingClient plain = broker.connectApp();
    Mqtt5Publishes keepIn = keep.publishes(MqttGlobalPublishFilter.ALL);
    Mqtt5Publishes plainIn = plain.publishes(MqttGlobalPublishFilter.ALL);
    keep.subscribeWith().topicFilter("rap/t").retainAsPublished(true).send();
    plain.subscribeWith().topicFilter("rap/t").send();
    Mqtt5BlockingClient pub = broker.connectApp();
    pub.publishWith().topic("rap/t").retain(true).payload("r".getBytes()).send();
    assertThat(keepIn.receive(5, TimeUnit.SECONDS).orElseThrow().isRetain()).isTrue();
    assertThat(plainIn.receive(5, TimeUnit.SECONDS).orElseThrow().isRetain()).isFalse();
    pub.publishWith().topic("rap/t").retain(true).payload(new byte[0]).send();
    pub.disconnect();
    keep.disconnect();
    plain.disconnect();
  }

  /**
   * Verifies retain handling: 0 sends retained messages on every subscribe, 1 only when the
   * subscription is new, 2 never (§3.8.3.1).
   */
  @Test
  void retainHandling() throws Exception {
    Mqtt5BlockingClient pub = broker.connectApp();
    pub.publishWith()
        .topic("rh/t")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("kept".getBytes())
        .send();

    Mqtt5BlockingClient c = broker.connectApp();
    Mqtt5Publishes in = c.publishes(MqttGlobalPublishFilter.ALL);
    c.subscribeWith().topicFilter("rh/t").retainHandling(Mqtt5RetainHandling.DO_NOT_SEND).send();
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
    c.unsubscribeWith().topicFilter("rh/t").send();

    c.subscribeWith()
        .topicFilter("rh/t")
        .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST)
        .send();
    assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
    c.subscribeWith()
        .topicFilter("rh/t")
        .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST)
        .send();
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();

    c.subscribeWith().topicFilter("rh/t").retainHandling(Mqtt5RetainHandling.SEND).send();
    assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
    pub.publishWith().topic("rh/t").retain(true).payload(new byte[0]).send();
    pub.disconnect();
    c.disconnect();
  }

  /**
   * Verifies that a PUBLISH carries the receiver's subscription identifier (MQTT 5.0 §3.3.4). A raw
   * client, because Paho 1.2.5 leaves the identifier out of its SUBSCRIBE and HiveMQ hides it.
   */
  @Test
  void subscriptionIdentifierRaw() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              true, "raw-subid", true, 30, "rs", broker.appToken("rs", "acme"), null, 0));
      raw.await(RawMqttClient.Packet.CONNACK, 5000);
      raw.send(RawMqttClient.subscribeWithId(1, "rawsubid/#", 0, 5));
      raw.await(RawMqttClient.Packet.SUBACK, 5000);
      Mqtt5BlockingClient pub = broker.connectApp();
      pub.publishWith().topic("rawsubid/a").payload("x".getBytes()).send();
      RawMqttClient.Packet p = raw.await(RawMqttClient.Packet.PUBLISH, 5000);
      byte[] body = p.body();
      int topicLen = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
      int propsAt = 2 + topicLen; // QoS 0: no packet id
      assertThat(body[propsAt]).as("property length").isEqualTo((byte) 2);
      assertThat(body[propsAt + 1]).as("subscription identifier").isEqualTo((byte) 0x0B);
      assertThat(body[propsAt + 2]).isEqualTo((byte) 5);
      pub.disconnect();
    }
  }

  /**
   * Verifies that a shared subscription $share/{group}/{filter} gives each message to one member,
   * round-robin (§4.8.2), while a plain subscriber still gets every message.
   */
  @Test
  void sharedSubscriptionsRoundRobin() throws Exception {
    Mqtt5BlockingClient w1 = broker.connectApp();
    Mqtt5BlockingClient w2 = broker.connectApp();
    Mqtt5BlockingClient all = broker.connectApp();
    Mqtt5Publishes in1 = w1.publishes(MqttGlobalPublishFilter.ALL);
    Mqtt5Publishes in2 = w2.publishes(MqttGlobalPublishFilter.ALL);
    Mqtt5Publishes inAll = all.publishes(MqttGlobalPublishFilter.ALL);
    w1.subscribeWith().topicFilter("$share/workers/jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
    w2.subscribeWith().topicFilter("$share/workers/jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
    all.subscribeWith().topicFilter("jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt5BlockingClient pub = broker.connectApp();
    for (int i = 0; i < 10; i++) {
      pub.publishWith()
          .topic("jobs/" + i)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(("j" + i).getBytes())
          .send();
    }
    int n1 = 0;
    while (in1.receive(300, TimeUnit.MILLISECONDS).isPresent()) {
      n1++;
    }
    int n2 = 0;
    while (in2.receive(300, TimeUnit.MILLISECONDS).isPresent()) {
      n2++;
    }
    int nAll = 0;
    while (inAll.receive(300, TimeUnit.MILLISECONDS).isPresent()) {
      nAll++;
    }
    assertThat(n1 + n2).isEqualTo(10);
    assertThat(n1).isEqualTo(5);
    assertThat(nAll).isEqualTo(10);
    pub.disconnect();
    w1.disconnect();
    w2.disconnect();
    all.disconnect();
  }

  /**
   * Verifies that when a share-group member leaves with a message unacknowledged, the message goes
   * to another member (MQTT 5.0 §4.8.2).
   */
  @Test
  void sharedSubscriptionRedeliversWhenMemberLeaves() throws Exception {
    Mqtt5BlockingClient w1 = broker.connectApp();
    Mqtt5BlockingClient w2 = broker.connectApp();
    Mqtt5Publishes in1 = w1.publishes(MqttGlobalPublishFilter.ALL, true);
    Mqtt5Publishes in2 = w2.publishes(MqttGlobalPublishFilter.ALL, true);
    w1.subscribeWith().topicFilter("$share/crew/tasks").qos(MqttQos.AT_LEAST_ONCE).send();
    w2.subscribeWith().topicFilter("$share/crew/tasks").qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt5BlockingClient pub = broker.connectApp();
    pub.publishWith().topic("tasks").qos(MqttQos.AT_LEAST_ONCE).payload("t1".getBytes()).send();
    pub.publishWith().topic("tasks").qos(MqttQos.AT_LEAST_ONCE).payload("t2".getBytes()).send();
    Mqtt5Publish p1 = in1.receive(5, TimeUnit.SECONDS).orElseThrow();
    Mqtt5Publish p2 = in2.receive(5, TimeUnit.SECONDS).orElseThrow();
    p2.acknowledge();
    String orphan = text(p1);
    w1.disconnect(); // leaves without acknowledging
    Mqtt5Publish handedOn = in2.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(text(handedOn)).isEqualTo(orphan);
    handedOn.acknowledge();
    pub.disconnect();
    w2.disconnect();
  }

  /** Verifies that no-local on a shared subscription is a protocol error: DISCONNECT 0x82. */
  @Test
  void refusesNoLocalOnSharedSubscription() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              true, "nl-share", true, 30, "nl", broker.appToken("nl", "acme"), null, 0));
      raw.await(RawMqttClient.Packet.CONNACK, 5000);
      raw.send(RawMqttClient.subscribe(true, 1, "$share/g/x", 0x04)); // options: no-local, QoS 0
      RawMqttClient.Packet disconnect = raw.await(RawMqttClient.Packet.DISCONNECT, 5000);
      assertThat(disconnect).isNotNull();
      assertThat(disconnect.body()[0] & 0xFF).isEqualTo(0x82);
    }
  }

  /**
   * Verifies that the broker respects the client's receive maximum (§4.9): with 1, the second QoS 1
   * message comes only after the first is acknowledged.
   */
  @Test
  void respectsReceiveMaximum() throws Exception {
    String token = broker.appToken("narrow", "acme");
    Mqtt5BlockingClient c = broker.v5Client("narrow-1");
    Mqtt5Publishes in = c.publishes(MqttGlobalPublishFilter.ALL, true);
    c.connectWith()
        .restrictions()
        .receiveMaximum(1)
        .applyRestrictions()
        .simpleAuth()
        .username("")
        .password(token.getBytes())
        .applySimpleAuth()
        .send();
    c.subscribeWith().topicFilter("narrow/#").qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt5BlockingClient pub = broker.connectApp();
    for (int i = 0; i < 3; i++) {
      pub.publishWith()
          .topic("narrow/" + i)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(("n" + i).getBytes())
          .send();
    }
    Mqtt5Publish first = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(text(first)).isEqualTo("n0");
    assertThat(in.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
    first.acknowledge();
    Mqtt5Publish second = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(text(second)).isEqualTo("n1");
    second.acknowledge();
    Optional<Mqtt5Publish> third = in.receive(5, TimeUnit.SECONDS);
    assertThat(third.map(MqttV5FeaturesTest::text)).contains("n2");
    third.get().acknowledge();
    pub.disconnect();
    c.disconnect();
  }

  /**
   * Verifies that a client that sets Request Problem Information to 0 gets its refused PUBLISH's
   * PUBACK 0x87 without a Reason String, while one that did not gets it with one (MQTT 5.0
   * §3.1.2.11.7, [MQTT-3.1.2-29]).
   */
  @Test
  void requestProblemInformationZeroDropsReasonStrings() {
    String device = BrokerFixture.uniqueId("quiet");
    String token = broker.deviceToken(device, "acme");
    Mqtt5BlockingClient quiet = broker.v5Client(device);
    quiet
        .connectWith()
        .restrictions()
        .requestProblemInformation(false)
        .applyRestrictions()
        .simpleAuth()
        .username(device)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    Mqtt5BlockingClient chatty = broker.connectV5(device + "-2", device, token);
    try {
      assertThat(refusedPuback(quiet).getReasonString()).isEmpty();
      assertThat(refusedPuback(chatty).getReasonString()).isPresent();
    } finally {
      quiet.disconnect();
      chatty.disconnect();
    }
  }

  /** The PUBACK of a QoS 1 PUBLISH outside the device's ACL: 0x87. */
  private static com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAck refusedPuback(
      Mqtt5BlockingClient device) {
    Mqtt5PubAckException e =
        catchThrowableOfType(
            Mqtt5PubAckException.class,
            () ->
                device.publishWith().topic("features/not-mine").qos(MqttQos.AT_LEAST_ONCE).send());
    assertThat(e).isNotNull();
    assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    return e.getMqttMessage();
  }

  /**
   * Verifies that a SUBSCRIBE with Subscription Identifier 0 is a protocol error: DISCONNECT 0x82
   * and no SUBACK (MQTT 5.0 §3.8.2.1.2: identifiers run from 1 to 268,435,455).
   */
  @Test
  void refusesSubscriptionIdentifierZero() throws Exception {
    String id = BrokerFixture.uniqueId("subid0");
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(RawMqttClient.connect(true, id, true, 30, id, broker.appToken(id, "acme"), null, 0));
      assertThat(raw.await(RawMqttClient.Packet.CONNACK, 5000).body()[1]).isZero();
      raw.send(RawMqttClient.subscribeWithId(1, "features/subid0/#", 1, 0));
      RawMqttClient.Packet answer = raw.read(5000);
      assertThat(answer).isNotNull();
      assertThat(answer.type()).isEqualTo(RawMqttClient.Packet.DISCONNECT);
      assertThat(answer.body()[0] & 0xFF).isEqualTo(0x82);
    }
  }

  /**
   * Verifies that a client's PUBLISH carrying a Subscription Identifier is a protocol error,
   * DISCONNECT 0x82 (MQTT 5.0 §3.3.4 [MQTT-3.3.4-6]).
   */
  @Test
  void refusesSubscriptionIdentifierInPublish() throws Exception {
    String id = BrokerFixture.uniqueId("pubsubid");
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(RawMqttClient.connect(true, id, true, 30, id, broker.appToken(id, "acme"), null, 0));
      assertThat(raw.await(RawMqttClient.Packet.CONNACK, 5000).body()[1]).isZero();
      raw.send(
          RawMqttClient.publishWithProperties(
              "features/pubsubid", new byte[] {0x0B, 5}, "x".getBytes(StandardCharsets.UTF_8)));
      RawMqttClient.Packet answer = raw.await(RawMqttClient.Packet.DISCONNECT, 5000);
      assertThat(answer).isNotNull();
      assertThat(answer.body()[0] & 0xFF).isEqualTo(0x82);
    }
  }
}
