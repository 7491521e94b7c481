package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Packet size limits both ways, bad packets, and $SYS statistics. */
@Timeout(30)
class MqttLimitsTest {

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker =
        BrokerFixture.start(
            new MqttConfig("127.0.0.1", 0, 1024, false)
                .withSysInterval(1)
                .withTopicAliasMaximum(4)
                .withTopicLimits(200, 5));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /**
   * Verifies that a 5.0 PUBLISH larger than the maximum packet size gets DISCONNECT 0x95 and the
   * connection closed, while another client keeps working (MQTT 5.0 §3.2.2.3.6, §4.13).
   */
  @Test
  void disconnectsOversizedPublish() throws Exception {
    Mqtt5BlockingClient bystander = broker.connectApp();
    Mqtt5Publishes in = bystander.publishes(MqttGlobalPublishFilter.ALL);
    bystander.subscribeWith().topicFilter("big/#").send();
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              true, "big-1", true, 30, "big", broker.appToken("big", "acme"), null, 0));
      raw.await(Packet.CONNACK, 5000);
      raw.send(RawMqttClient.publish(true, "big/x", 0, 0, false, false, new byte[4000]));
      Packet disconnect = raw.await(Packet.DISCONNECT, 5000);
      assertThat(disconnect).isNotNull();
      assertThat(disconnect.body()[0] & 0xFF).isEqualTo(0x95);
      assertThat(raw.closedByBroker(5000)).isTrue();
    }
    Mqtt5BlockingClient other = broker.connectApp();
    other.publishWith().topic("big/ok").payload("small".getBytes()).send();
    assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
    assertThat(in.receive(200, TimeUnit.MILLISECONDS)).isEmpty();
    other.disconnect();
    bystander.disconnect();
  }

  /** Verifies that an oversized 3.1.1 PUBLISH closes that connection. */
  @Test
  void closesOversized311Publish() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              false, "big-3", true, 30, "big3", broker.appToken("big3", "acme"), null, 0));
      raw.await(Packet.CONNACK, 5000);
      raw.send(RawMqttClient.publish(false, "big/y", 1, 1, false, false, new byte[4000]));
      assertThat(raw.closedByBroker(5000)).isTrue();
    }
  }

  /**
   * Verifies that a PUBLISH with a wildcard in its topic name closes the connection with a 5.0
   * DISCONNECT 0x90 topic name invalid (§3.3.2.1), though netty's decoder refuses it first.
   */
  @Test
  void disconnectsWildcardTopicName() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              true, "wild-1", true, 30, "wild", broker.appToken("wild", "acme"), null, 0));
      raw.await(Packet.CONNACK, 5000);
      raw.send(RawMqttClient.publish(true, "a/+/b", 0, 0, false, false, "x".getBytes()));
      Packet disconnect = raw.await(Packet.DISCONNECT, 5000);
      assertThat(disconnect).isNotNull();
      assertThat(disconnect.body()[0] & 0xFF).isEqualTo(0x90);
      assertThat(raw.closedByBroker(5000)).isTrue();
    }
  }

  /**
   * Verifies that the broker does not send a message larger than the client's maximum packet size
   * (§3.1.2.11.4): it is dropped and counted, smaller ones still arrive.
   */
  @Test
  void respectsClientMaximumPacketSize() throws Exception {
    String token = broker.appToken("tiny", "acme");
    Mqtt5BlockingClient tiny = broker.v5Client("tiny-1");
    Mqtt5Publishes in = tiny.publishes(MqttGlobalPublishFilter.ALL);
    tiny.connectWith()
        .restrictions()
        .maximumPacketSize(200)
        .applyRestrictions()
        .simpleAuth()
        .username("")
        .password(token.getBytes())
        .applySimpleAuth()
        .send();
    tiny.subscribeWith().topicFilter("sized/#").qos(MqttQos.AT_LEAST_ONCE).send();
    double before = broker.counter("busbar.mqtt.messages.oversized");
    Mqtt5BlockingClient pub = broker.connectApp();
    pub.publishWith().topic("sized/big").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[500]).send();
    pub.publishWith()
        .topic("sized/small")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("ok".getBytes())
        .send();
    Optional<Mqtt5Publish> got = in.receive(5, TimeUnit.SECONDS);
    assertThat(got).isPresent();
    assertThat(got.get().getTopic().toString()).isEqualTo("sized/small");
    assertThat(broker.counter("busbar.mqtt.messages.oversized")).isEqualTo(before + 1);
    pub.disconnect();
    tiny.disconnect();
  }

  /**
   * Verifies that $SYS/broker statistics are published (clients, messages, bytes, uptime) to a
   * subscriber of $SYS/#, and not to a '#' subscriber (§4.7.2).
   */
  @Test
  void publishesSysStatistics() throws Exception {
    Mqtt5BlockingClient ops = broker.connectApp();
    Mqtt5BlockingClient all = broker.connectApp();
    Mqtt5Publishes in = ops.publishes(MqttGlobalPublishFilter.ALL);
    Mqtt5Publishes allIn = all.publishes(MqttGlobalPublishFilter.ALL);
    all.subscribeWith().topicFilter("#").send();
    ops.subscribeWith().topicFilter("$SYS/broker/#").send();
    Map<String, String> seen = new HashMap<>();
    long deadline = System.currentTimeMillis() + 5000;
    while (seen.size() < 9 && System.currentTimeMillis() < deadline) {
      Optional<Mqtt5Publish> p = in.receive(1, TimeUnit.SECONDS);
      p.ifPresent(
          m ->
              seen.put(
                  m.getTopic().toString(),
                  new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)));
    }
    assertThat(seen)
        .containsKeys(
            "$SYS/broker/clients/connected",
            "$SYS/broker/messages/received",
            "$SYS/broker/messages/sent",
            "$SYS/broker/bytes/received",
            "$SYS/broker/uptime");
    assertThat(Integer.parseInt(seen.get("$SYS/broker/clients/connected"))).isPositive();
    Optional<Mqtt5Publish> leaked = allIn.receive(200, TimeUnit.MILLISECONDS);
    assertThat(leaked.map(m -> m.getTopic().toString()).orElse("none")).doesNotStartWith("$SYS");
    ops.disconnect();
    all.disconnect();
  }

  /**
   * Verifies inbound topic aliases (MQTT 5.0 §3.3.2.3.4): set with a topic, then used alone; an
   * alias above the maximum gets DISCONNECT 0x94, an unknown one 0x82.
   */
  @Test
  void resolvesInboundTopicAliases() throws Exception {
    Mqtt5BlockingClient sub = broker.connectApp();
    Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
    sub.subscribeWith().topicFilter("alias/#").send();
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              true, "alias-1", true, 30, "al", broker.appToken("al", "acme"), null, 0));
      raw.await(Packet.CONNACK, 5000);
      raw.send(RawMqttClient.publishWithAlias("alias/line1", 2, "a".getBytes()));
      raw.send(RawMqttClient.publishWithAlias("", 2, "b".getBytes()));
      Mqtt5Publish first = in.receive(5, TimeUnit.SECONDS).orElseThrow();
      Mqtt5Publish second = in.receive(5, TimeUnit.SECONDS).orElseThrow();
      assertThat(first.getTopic().toString()).isEqualTo("alias/line1");
      assertThat(second.getTopic().toString()).isEqualTo("alias/line1");
      assertThat(new String(second.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("b");
      raw.send(RawMqttClient.publishWithAlias("alias/x", 5, "c".getBytes()));
      assertThat(raw.await(Packet.DISCONNECT, 5000).body()[0] & 0xFF).isEqualTo(0x94);
    }
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              true, "alias-2", true, 30, "al", broker.appToken("al", "acme"), null, 0));
      raw.await(Packet.CONNACK, 5000);
      raw.send(RawMqttClient.publishWithAlias("", 1, "d".getBytes()));
      assertThat(raw.await(Packet.DISCONNECT, 5000).body()[0] & 0xFF).isEqualTo(0x82);
    }
    sub.disconnect();
  }

  /**
   * Verifies outbound topic aliases: a HiveMQ client that accepts 2 aliases gets the right topic on
   * every message, whether the broker sent the topic, topic + alias, or the alias alone.
   */
  @Test
  void sendsOutboundTopicAliases() throws Exception {
    String token = broker.appToken("aliased", "acme");
    Mqtt5BlockingClient c = broker.v5Client("aliased-1");
    Mqtt5Publishes in = c.publishes(MqttGlobalPublishFilter.ALL);
    c.connectWith()
        .restrictions()
        .topicAliasMaximum(2)
        .applyRestrictions()
        .simpleAuth()
        .username("")
        .password(token.getBytes())
        .applySimpleAuth()
        .send();
    c.subscribeWith().topicFilter("out/#").send();
    Mqtt5BlockingClient pub = broker.connectApp();
    String[] topics = {"out/a", "out/b", "out/c", "out/a", "out/b", "out/c", "out/a"};
    for (String t : topics) {
      pub.publishWith().topic(t).qos(MqttQos.AT_LEAST_ONCE).payload(t.getBytes()).send();
    }
    for (String t : topics) {
      Mqtt5Publish p = in.receive(5, TimeUnit.SECONDS).orElseThrow();
      assertThat(p.getTopic().toString()).isEqualTo(t);
      assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo(t);
    }
    pub.disconnect();
    c.disconnect();
  }

  /** Verifies the configured topic limits: a filter with too many levels gets SUBACK 0x8F. */
  @Test
  void enforcesTopicLimits() {
    Mqtt5BlockingClient c = broker.connectApp();
    com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException.class,
            () -> c.subscribeWith().topicFilter("a/b/c/d/e/f").send());
    assertThat(e.getMqttMessage().getReasonCodes())
        .containsExactly(
            com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode
                .TOPIC_FILTER_INVALID);
    c.disconnect();
  }

  /** Verifies the connection limit: beyond it, 5.0 gets CONNACK 0x97 and 3.1.1 gets 0x03. */
  @Test
  void enforcesConnectionLimit() {
    try (BrokerFixture small =
        BrokerFixture.start(new MqttConfig("127.0.0.1", 0, 1024, false).withMaxConnections(1))) {
      String token = small.appToken("lim", "acme");
      Mqtt5BlockingClient first = small.connectV5("lim-1", "", token);
      com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException e5 =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException.class,
              () -> small.connectV5("lim-2", "", token));
      assertThat(e5.getMqttMessage().getReasonCode())
          .isEqualTo(
              com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode
                  .QUOTA_EXCEEDED);
      com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException e3 =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException.class,
              () -> small.connectV3("lim-3", "", token));
      assertThat(e3.getMqttMessage().getReturnCode())
          .isEqualTo(
              com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode
                  .SERVER_UNAVAILABLE);
      assertThat(small.counter("busbar.mqtt.connect.refused", "reason", "too_many_connections"))
          .isEqualTo(2);
      // at the limit the same client id still takes its own connection over: it replaces the
      // live connection (closed with 0x8E), it does not add one
      Mqtt5BlockingClient again = small.connectV5("lim-1", "", token);
      assertThat(again.getState().isConnected()).isTrue();
      assertThat(small.counter("busbar.mqtt.connect.refused", "reason", "too_many_connections"))
          .isEqualTo(2);
      again.disconnect();
    }
  }

  /** Verifies the connect rate limit: beyond it, 5.0 gets CONNACK 0x9F, and it is counted. */
  @Test
  void enforcesConnectRate() {
    try (BrokerFixture slow =
        BrokerFixture.start(
            new MqttConfig("127.0.0.1", 0, 1024, false).withMaxConnectsPerSecond(1))) {
      String token = slow.appToken("rate", "acme");
      int refused = 0;
      for (int i = 0; i < 5; i++) {
        try {
          slow.connectV5("rate-" + i, "", token).disconnect();
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException e) {
          assertThat(e.getMqttMessage().getReasonCode())
              .isEqualTo(
                  com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode
                      .CONNECTION_RATE_EXCEEDED);
          refused++;
        }
      }
      assertThat(refused).isPositive();
      assertThat(slow.counter("busbar.mqtt.connect.refused", "reason", "connect_rate"))
          .isEqualTo(refused);
    }
  }

  /**
   * Verifies that a subscriber that stops reading is bounded: QoS 0 messages to it are dropped and
   * counted once its backlog passes the limit, the publisher is not stalled, and a reading
   * subscriber still gets a QoS 1 message published after the flood.
   */
  @Test
  void boundsSlowSubscriber() throws Exception {
    try (BrokerFixture b =
        BrokerFixture.start(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withMaxConnectionBacklogBytes(64 * 1024))) {
      String token = b.appToken("flood", "acme");
      try (RawMqttClient slow = RawMqttClient.open(b.port)) {
        slow.send(RawMqttClient.connect(false, "slow-1", true, 0, "flood", token, null, 0));
        slow.await(Packet.CONNACK, 5000);
        slow.send(RawMqttClient.subscribe(false, 1, "flood/#", 0));
        slow.await(Packet.SUBACK, 5000);
        // from here on the slow client reads nothing

        Mqtt5BlockingClient fast = b.connectV5("fast-1", "", token);
        Mqtt5Publishes in = fast.publishes(MqttGlobalPublishFilter.ALL);
        fast.subscribeWith().topicFilter("flood/end").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = b.connectV5("flooder", "", token);
        byte[] payload = new byte[8 * 1024];
        long t0 = System.currentTimeMillis();
        for (int i = 0; i < 2000; i++) {
          pub.publishWith().topic("flood/data").payload(payload).send();
        }
        pub.publishWith()
            .topic("flood/end")
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload("end".getBytes())
            .send();
        assertThat(System.currentTimeMillis() - t0).as("publisher not stalled").isLessThan(20_000);
        assertThat(in.receive(10, TimeUnit.SECONDS)).isPresent();
        assertThat(b.counter("busbar.mqtt.slow.dropped")).isPositive();
        pub.disconnect();
        fast.disconnect();
      }
    }
  }

  /**
   * Verifies that a subscriber that stops reading has its QoS 0 messages dropped (counted in {@code
   * busbar.mqtt.slow.dropped}) once its backlog passes {@code mqtt.max-connection-backlog-bytes},
   * and its QoS 1 messages queued in its session, while another subscriber of them keeps receiving;
   * and that once it reads again it gets every QoS 1 message, in order, once.
   */
  @Test
  void slowSubscriberGetsItsQueuedQos1MessagesWhenItReadsAgain() throws Exception {
    int qos1Messages = 50;
    try (BrokerFixture b =
        BrokerFixture.start(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withMaxConnectionBacklogBytes(64 * 1024))) {
      String token = b.appToken("flood2", "acme");
      try (RawMqttClient slow = RawMqttClient.open(b.port, 16 * 1024)) {
        slow.send(RawMqttClient.connect(false, "slow-2", true, 0, "flood2", token, null, 0));
        slow.await(Packet.CONNACK, 5000);
        slow.send(RawMqttClient.subscribe(false, 1, "flood/#", 1));
        assertThat(slow.await(Packet.SUBACK, 5000)).isNotNull();
        // from here on the slow client reads nothing until told otherwise

        Mqtt5BlockingClient fast = b.connectV5("fast-2", "", token);
        Mqtt5Publishes in = fast.publishes(MqttGlobalPublishFilter.ALL);
        fast.subscribeWith().topicFilter("flood/q1").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = b.connectV5("flooder-2", "", token);
        byte[] payload = new byte[8 * 1024];
        for (int i = 0; i < 2000; i++) {
          pub.publishWith().topic("flood/data").payload(payload).send();
        }
        for (int i = 0; i < qos1Messages; i++) {
          pub.publishWith()
              .topic("flood/q1")
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(("q1-" + i).getBytes(StandardCharsets.UTF_8))
              .send();
        }
        // the reading subscriber has them all while the slow one reads nothing
        for (int i = 0; i < qos1Messages; i++) {
          Optional<Mqtt5Publish> got = in.receive(10, TimeUnit.SECONDS);
          assertThat(got).as("fast subscriber, message %d", i).isPresent();
          assertThat(new String(got.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
              .isEqualTo("q1-" + i);
        }
        assertThat(b.counter("busbar.mqtt.slow.dropped")).as("QoS 0 dropped").isPositive();

        // the slow client reads again: the QoS 0 messages that fitted, then every QoS 1 one
        java.util.List<String> qos1 = new java.util.ArrayList<>();
        while (qos1.size() < qos1Messages) {
          Packet p = slow.read(10_000);
          assertThat(p).as("after %d QoS 1 messages", qos1.size()).isNotNull();
          if (p.type() == Packet.PUBLISH && p.qos() == 1) {
            assertThat(p.topic()).isEqualTo("flood/q1");
            int offset = 2 + p.topic().length() + 2; // topic, packet id
            qos1.add(
                new String(p.body(), offset, p.body().length - offset, StandardCharsets.UTF_8));
            slow.send(RawMqttClient.ack(0x40, p.packetId())); // PUBACK
          }
        }
        java.util.List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < qos1Messages; i++) {
          expected.add("q1-" + i);
        }
        assertThat(qos1).containsExactlyElementsOf(expected);
        assertThat(slow.read(500)).as("no redelivery").isNull();
        pub.disconnect();
        fast.disconnect();
      }
    }
  }

  /**
   * Verifies that hostile bytes — a reserved packet type, a PUBLISH before CONNECT, random garbage
   * after CONNECT — close only the offending connection; a well-behaved client keeps working
   * throughout.
   */
  @Test
  void hostileBytesCloseOnlyThatConnection() throws Exception {
    Mqtt5BlockingClient good = broker.connectApp();
    Mqtt5Publishes in = good.publishes(MqttGlobalPublishFilter.ALL);
    good.subscribeWith().topicFilter("calm/#").send();
    String token = broker.appToken("hostile", "acme");

    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(RawMqttClient.publish(false, "calm/x", 0, 0, false, false, "early".getBytes()));
      assertThat(raw.closedByBroker(5000)).as("PUBLISH before CONNECT").isTrue();
    }
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(RawMqttClient.connect(false, "hostile-0", true, 30, "hostile", token, null, 0));
      raw.await(Packet.CONNACK, 5000);
      raw.send(new byte[] {0x00, 0x00}); // packet type 0 is reserved (§2.2.1)
      assertThat(raw.closedByBroker(5000)).as("reserved packet type").isTrue();
    }
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 20; i++) {
      try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
        raw.send(
            RawMqttClient.connect(
                i % 2 == 0, "hostile-" + (i + 1), true, 30, "hostile", token, null, 0));
        raw.await(Packet.CONNACK, 5000);
        byte[] garbage = new byte[1 + random.nextInt(64)];
        random.nextBytes(garbage);
        raw.send(garbage);
        raw.closedByBroker(300); // closed, or waiting for more bytes: either is fine
      } catch (java.io.IOException reset) {
        // the broker closed first
      }
      good.publishWith().topic("calm/" + i).payload("ok".getBytes()).send();
      assertThat(in.receive(5, TimeUnit.SECONDS)).as("good client after garbage %d", i).isPresent();
    }
    good.disconnect();
  }
}
