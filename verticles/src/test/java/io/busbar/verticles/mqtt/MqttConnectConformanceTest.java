package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CONNECT details the endpoint decides ({@link MqttEndpoint}): Server Keep Alive (MQTT 5.0
 * §3.2.2.3.14) and zero-length client ids with clean start 0 (5.0 §3.1.3.1 allows them, 3.1.1
 * §3.1.3.1 refuses them with 0x02).
 */
@Timeout(30)
class MqttConnectConformanceTest {

  /** The broker's maximum keep alive in these tests, in seconds. */
  private static final int SERVER_KEEP_ALIVE = 1;

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker =
        BrokerFixture.start(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withServerKeepAliveSeconds(SERVER_KEEP_ALIVE));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /**
   * Verifies that a 5.0 client asking for a longer keep alive is told the server's (CONNACK Server
   * Keep Alive) by a real client library.
   */
  @Test
  void tellsServerKeepAliveToLongerKeepAlive() {
    String name = BrokerFixture.uniqueId("ka");
    Mqtt5BlockingClient c = broker.v5Client(name);
    Mqtt5ConnAck ack =
        c.connectWith()
            .keepAlive(60)
            .simpleAuth()
            .username(name)
            .password(broker.appToken(name, "acme").getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .send();
    assertThat(ack.getServerKeepAlive()).hasValue(SERVER_KEEP_ALIVE);
    c.disconnect();
  }

  /**
   * Verifies that a 5.0 client may send its token as the password without a user name (§3.1.2.9)
   * and is let in on it, while the same CONNECT without any password is refused (0x87).
   */
  @Test
  void acceptsPasswordWithoutUserName() {
    String name = BrokerFixture.uniqueId("pw");
    Mqtt5BlockingClient c = broker.v5Client(name);
    Mqtt5ConnAck ack =
        c.connectWith()
            .simpleAuth()
            .password(broker.appToken(name, "acme").getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .send();
    assertThat(ack.getReasonCode().getCode()).isZero();
    c.disconnect();

    Mqtt5BlockingClient none = broker.v5Client(name);
    assertThatThrownBy(none::connect)
        .isInstanceOfSatisfying(
            com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException.class,
            e -> assertThat(e.getMqttMessage().getReasonCode().getCode()).isEqualTo(0x87));
  }

  /**
   * Verifies that a 5.0 client without keep alive (0) gets Server Keep Alive in the CONNACK and is
   * closed after 1.5 × that value of silence (§3.1.2.10, §3.2.2.3.14).
   */
  @Test
  void enforcesServerKeepAliveOnClientWithout() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              true, "ka-zero", true, 0, "kazero", broker.appToken("kazero", "acme"), null, 0));
      Packet connack = raw.await(Packet.CONNACK, 5000);
      assertThat(connack.body()[1]).isZero();
      assertThat(twoByteProperty(connack, 0x13)).isEqualTo(SERVER_KEEP_ALIVE);
      long t0 = System.currentTimeMillis();
      assertThat(raw.closedByBroker(6000)).isTrue();
      assertThat(System.currentTimeMillis() - t0).isBetween(1000L, 4000L);
    }
  }

  /**
   * Verifies that a 3.1.1 client keeps its own keep alive (3.1.1 has no Server Keep Alive): with 0
   * it is not closed for silence.
   */
  @Test
  void keeps311ClientsKeepAlive() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              false, "ka-311", true, 0, "ka311", broker.appToken("ka311", "acme"), null, 0));
      Packet connack = raw.await(Packet.CONNACK, 5000);
      assertThat(connack.body()[1]).isZero();
      // three times the server's maximum and more: still open, PINGREQ answered
      assertThat(raw.read(3500)).isNull();
      raw.send(new byte[] {(byte) 0xC0, 0}); // PINGREQ
      Packet pong = raw.read(3000);
      assertThat(pong).isNotNull();
      assertThat(pong.type()).isEqualTo(13); // PINGRESP
    }
  }

  /**
   * Verifies that a 5.0 client with a zero-length client id and clean start 0 is accepted with an
   * Assigned Client Identifier (§3.1.3.1, §3.2.2.3.7), and that its session is there when it comes
   * back under that id.
   */
  @Test
  void assignsIdentifierWithoutCleanStart() {
    String token = broker.appToken("nameless5", "acme");
    Mqtt5BlockingClient first =
        MqttClient.builder()
            .useMqttVersion5()
            .serverHost("127.0.0.1")
            .serverPort(broker.port)
            .buildBlocking();
    Mqtt5ConnAck ack =
        first
            .connectWith()
            .cleanStart(false)
            .sessionExpiryInterval(60)
            .simpleAuth()
            .username("nameless5")
            .password(token.getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .send();
    assertThat(ack.getReasonCode().getCode()).isZero();
    assertThat(ack.getAssignedClientIdentifier()).isPresent();
    String assigned = ack.getAssignedClientIdentifier().get().toString();
    assertThat(assigned).isNotBlank();
    assertThat(ack.isSessionPresent()).isFalse();
    first.subscribeWith().topicFilter("nameless/#").send();
    first.disconnect();

    Mqtt5BlockingClient again = broker.v5Client(assigned);
    Mqtt5ConnAck back =
        again
            .connectWith()
            .cleanStart(false)
            .sessionExpiryInterval(60)
            .simpleAuth()
            .username("nameless5")
            .password(token.getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .send();
    assertThat(back.isSessionPresent()).isTrue();
    assertThat(back.getAssignedClientIdentifier()).isEmpty();
    again.disconnect();
  }

  /**
   * Verifies that a 5.0 raw CONNECT with a zero-length client id and clean start 0 gets CONNACK
   * 0x00 with the Assigned Client Identifier property.
   */
  @Test
  void assignsIdentifierToRawClientWithoutCleanStart() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              true, "", false, 30, "nameless", broker.appToken("nameless", "acme"), null, 30));
      Packet connack = raw.await(Packet.CONNACK, 5000);
      assertThat(connack.body()[1]).isZero();
      assertThat(stringProperty(connack, 0x12)).startsWith(ConnectHandler.ASSIGNED_PREFIX);
    }
  }

  /**
   * Verifies that a 3.1.1 CONNECT with a zero-length client id and clean session 0 is refused with
   * CONNACK 0x02 identifier rejected and closed ([MQTT-3.1.3-8]).
   */
  @Test
  void refuses311ZeroLengthIdWithoutCleanSession() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              false, "", false, 30, "nameless3", broker.appToken("nameless3", "acme"), null, 0));
      Packet connack = raw.await(Packet.CONNACK, 5000);
      assertThat(connack.body()[1] & 0xFF).isEqualTo(0x02);
      assertThat(raw.closedByBroker(5000)).isTrue();
    }
  }

  /**
   * Verifies that a 3.1.1 CONNECT with a zero-length client id and clean session 1 is accepted (the
   * server assigns an id it does not tell).
   */
  @Test
  void accepts311ZeroLengthIdWithCleanSession() throws Exception {
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          RawMqttClient.connect(
              false, "", true, 30, "nameless4", broker.appToken("nameless4", "acme"), null, 0));
      Packet connack = raw.await(Packet.CONNACK, 5000);
      assertThat(connack.body()[1]).isZero();
    }
  }

  /**
   * Verifies that a PUBLISH whose topic name has a wildcard ({@code +} or {@code #}) gets a 5.0
   * DISCONNECT 0x90 topic name invalid (§3.3.2.1), not 0x81.
   */
  @Test
  void disconnectsWildcardTopicNameWith0x90() throws Exception {
    for (String topic : new String[] {"a/+/b", "a/#"}) {
      try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
        raw.send(
            RawMqttClient.connect(
                true,
                BrokerFixture.uniqueId("wild"),
                true,
                30,
                "wild",
                broker.appToken("wild", "acme"),
                null,
                0));
        raw.await(Packet.CONNACK, 5000);
        raw.send(RawMqttClient.publish(true, topic, 1, 7, false, false, "x".getBytes()));
        Packet disconnect = raw.await(Packet.DISCONNECT, 5000);
        assertThat(disconnect).as(topic).isNotNull();
        assertThat(disconnect.body()[0] & 0xFF).as(topic).isEqualTo(0x90);
        assertThat(raw.closedByBroker(5000)).isTrue();
      }
    }
  }

  // ---- packets pipelined after the CONNECT (MqttEndpoint holds them until it is answered) ----

  /**
   * Verifies that packets sent in the same write as the CONNECT, with a token the broker has
   * verified before (answered at once from the token cache), are handled after the CONNACK and in
   * order: CONNACK, SUBACK, the client's own QoS 1 message, PUBACK, PINGRESP (MQTT §4.6).
   */
  @Test
  void handlesPacketsPipelinedAfterConnectWithCachedToken() throws Exception {
    for (boolean v5 : new boolean[] {true, false}) {
      String name = BrokerFixture.uniqueId("pipe-cached");
      String token = broker.appToken(name, "acme");
      // a first connection puts the token in the cache
      try (RawMqttClient first = RawMqttClient.open(broker.port)) {
        first.send(RawMqttClient.connect(v5, name, true, 30, name, token, null, 0));
        assertThat(first.await(Packet.CONNACK, 5000).body()[1]).isZero();
        first.send(RawMqttClient.disconnect());
      }
      assertPipelinedPacketsAnsweredInOrder(v5, name, token);
    }
  }

  /**
   * Verifies the same with a token the broker has not seen: it is verified on a worker while the
   * endpoint holds the packets that followed the CONNECT, then handles them in order.
   */
  @Test
  void handlesPacketsPipelinedAfterConnectWithNewToken() throws Exception {
    for (boolean v5 : new boolean[] {true, false}) {
      String name = BrokerFixture.uniqueId("pipe-new");
      assertPipelinedPacketsAnsweredInOrder(v5, name, broker.appToken(name, "acme"));
    }
  }

  private static void assertPipelinedPacketsAnsweredInOrder(boolean v5, String name, String token)
      throws Exception {
    String topic = "pipe/" + name;
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(
          concat(
              RawMqttClient.connect(v5, name, true, 30, name, token, null, 0),
              RawMqttClient.subscribe(v5, 1, topic, 1),
              RawMqttClient.publish(v5, topic, 1, 2, false, false, bytes("own")),
              PINGREQ));
      String version = v5 ? "5.0" : "3.1.1";
      Packet connack = raw.read(5000);
      assertThat(connack).as(version).isNotNull();
      assertThat(connack.type()).as(version).isEqualTo(Packet.CONNACK);
      assertThat(connack.body()[1]).as(version).isZero();
      Packet suback = raw.read(5000);
      assertThat(suback).as(version).isNotNull();
      assertThat(suback.type()).as(version).isEqualTo(Packet.SUBACK);
      assertThat(suback.packetId()).as(version).isEqualTo(1);
      assertThat(suback.body()[suback.body().length - 1])
          .as(version + " granted QoS")
          .isEqualTo((byte) 1);
      Packet own = raw.read(5000);
      assertThat(own).as(version).isNotNull();
      assertThat(own.type()).as(version).isEqualTo(Packet.PUBLISH);
      assertThat(own.topic()).as(version).isEqualTo(topic);
      assertThat(own.qos()).as(version).isEqualTo(1);
      assertThat(endsWith(own.body(), bytes("own"))).as(version + " payload").isTrue();
      raw.send(RawMqttClient.ack(0x40, own.packetId()));
      Packet puback = raw.read(5000);
      assertThat(puback).as(version).isNotNull();
      assertThat(puback.type()).as(version).isEqualTo(Packet.PUBACK);
      assertThat(puback.packetId()).as(version).isEqualTo(2);
      Packet pong = raw.read(5000);
      assertThat(pong).as(version).isNotNull();
      assertThat(pong.type()).as(version).isEqualTo(PINGRESP);
      raw.send(RawMqttClient.disconnect());
    }
  }

  /**
   * Verifies that a refused CONNECT (an expired token, checked on a worker) with packets pipelined
   * after it gets its refusal CONNACK and the close, that nothing it sent is routed, and that the
   * broker goes on serving (MQTT 3.1.1 §3.2.2.3, 5.0 §3.2.2.2: after a refusal the server closes
   * the connection and acts on nothing else the client sent).
   */
  @Test
  void refusedConnectActsOnNoPipelinedPacket() throws Exception {
    try (Watcher watcher = new Watcher("refused")) {
      for (boolean v5 : new boolean[] {true, false}) {
        String name = BrokerFixture.uniqueId("pipe-refused");
        try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
          raw.send(
              concat(
                  RawMqttClient.connect(
                      v5, name, true, 30, name, broker.expiredToken(name, "acme"), null, 0),
                  RawMqttClient.subscribe(v5, 1, "refused/#", 1),
                  RawMqttClient.publish(v5, "refused/" + name, 1, 2, false, true, bytes("no")),
                  PINGREQ));
          Packet connack = raw.read(5000);
          assertThat(connack).isNotNull();
          assertThat(connack.type()).isEqualTo(Packet.CONNACK);
          // 5.0: 0x86 bad user name or password; 3.1.1: 0x05 not authorized
          assertThat(connack.body()[1] & 0xFF).isEqualTo(v5 ? 0x86 : 0x05);
          assertThat(raw.read(5000)).as("nothing after the refusal").isNull();
          assertThat(raw.closedByBroker(1000)).isTrue();
        }
      }
      // the broker still serves, and the refused PUBLISHes reached nobody (they would be first)
      watcher.assertNothingElseRouted();
    }
  }

  /**
   * Verifies the fire-and-forget client: CONNECT (a token not seen before), PUBLISH and DISCONNECT
   * in one write. The message is routed and, the DISCONNECT being normal, the will is not published
   * (MQTT §3.14.4); what follows the DISCONNECT in the same write is not acted on ([MQTT-3.14.4-1]:
   * after DISCONNECT the client sends nothing more, the server closes).
   */
  @Test
  void handlesConnectPublishDisconnectInOneWrite() throws Exception {
    try (Watcher watcher = new Watcher("ff")) {
      for (boolean v5 : new boolean[] {true, false}) {
        String name = BrokerFixture.uniqueId("ff");
        RawMqttClient.Will will = new RawMqttClient.Will("ff/will/" + name, bytes("will"), 0, 0);
        try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
          raw.send(
              concat(
                  RawMqttClient.connect(
                      v5, name, true, 30, name, broker.appToken(name, "acme"), will, 0),
                  RawMqttClient.publish(v5, "ff/" + name, 0, 0, false, false, bytes("fired")),
                  RawMqttClient.disconnect(),
                  RawMqttClient.publish(
                      v5, "ff/after/" + name, 0, 0, false, false, bytes("late"))));
          Packet connack = raw.read(5000);
          assertThat(connack).isNotNull();
          assertThat(connack.type()).isEqualTo(Packet.CONNACK);
          assertThat(connack.body()[1]).isZero();
          assertThat(raw.closedByBroker(5000)).isTrue();
        }
        assertThat(watcher.next().getTopic().toString()).isEqualTo("ff/" + name);
      }
      // neither a will nor a PUBLISH sent after the DISCONNECT reached the watcher
      watcher.assertNothingElseRouted();
    }
  }

  /**
   * Verifies that a PUBLISH in the same write as, and after, a connected client's DISCONNECT is not
   * routed ([MQTT-3.14.4-1]).
   */
  @Test
  void actsOnNothingAfterDisconnectInTheSameWrite() throws Exception {
    try (Watcher watcher = new Watcher("after")) {
      for (boolean v5 : new boolean[] {true, false}) {
        String name = BrokerFixture.uniqueId("after");
        try (RawMqttClient raw = connectedRaw(v5, name)) {
          raw.send(
              concat(
                  RawMqttClient.disconnect(),
                  RawMqttClient.publish(v5, "after/" + name, 0, 0, false, false, bytes("late"))));
          assertThat(raw.closedByBroker(5000)).isTrue();
        }
      }
      watcher.assertNothingElseRouted();
    }
  }

  /**
   * Verifies that once the broker has sent its DISCONNECT (here 0x94, a PUBLISH with topic alias 0)
   * it answers nothing else the client sent in the same write, not even a PINGREQ (MQTT 5.0
   * §4.13.2: the DISCONNECT is the last packet; then the connection is closed).
   */
  @Test
  void sendsNothingAfterItsDisconnect() throws Exception {
    String name = BrokerFixture.uniqueId("last-word");
    try (RawMqttClient raw = connectedRaw(true, name)) {
      raw.send(
          concat(
              RawMqttClient.publishWithAlias("alias/zero", 0, bytes("x")),
              PINGREQ,
              RawMqttClient.subscribe(true, 5, "alias/#", 0),
              PINGREQ));
      Packet disconnect = raw.read(5000);
      assertThat(disconnect).isNotNull();
      assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
      assertThat(disconnect.body()[0] & 0xFF).isEqualTo(0x94);
      assertThat(raw.read(5000)).as("nothing after the DISCONNECT").isNull();
      assertThat(raw.closedByBroker(1000)).isTrue();
    }
  }

  // ---- what the endpoint refuses before the broker sees a CONNECT ----

  /**
   * Verifies that a connection whose first packet is not a CONNECT (a PINGREQ, a PUBLISH, a
   * SUBSCRIBE) is closed without an answer (MQTT 3.1.1 §3.1 [MQTT-3.1.0-1], 5.0 §3.1), also when a
   * CONNECT follows it in the same write.
   */
  @Test
  void closesConnectionWhoseFirstPacketIsNotConnect() throws Exception {
    byte[][] firsts = {
      PINGREQ,
      RawMqttClient.publish(false, "early/x", 1, 1, false, false, bytes("early")),
      RawMqttClient.subscribe(false, 1, "early/#", 0)
    };
    String token = broker.appToken("late-connect", "acme");
    for (byte[] first : firsts) {
      String what = "first packet type " + ((first[0] & 0xFF) >> 4);
      try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
        raw.send(first);
        assertClosedWithoutAnswer(raw, what);
      }
      // a CONNECT in the same write, after it, is not read either
      try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
        raw.send(
            concat(
                first,
                RawMqttClient.connect(
                    false, "late-connect", true, 30, "late-connect", token, null, 0)));
        assertClosedWithoutAnswer(raw, what + ", then CONNECT");
      }
    }
  }

  /**
   * Verifies that a connection that sends nothing is closed without an answer after the CONNECT
   * timeout, while a connected client that is silent as long (keep alive 0) stays.
   */
  @Test
  void closesConnectionThatSendsNoConnect() throws Exception {
    try (BrokerFixture b =
            BrokerFixture.start(
                new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                    .withConnectTimeoutSeconds(1));
        RawMqttClient connected = RawMqttClient.open(b.port);
        RawMqttClient mute = RawMqttClient.open(b.port)) {
      connected.send(
          RawMqttClient.connect(
              false, "patient", true, 0, "patient", b.appToken("patient", "acme"), null, 0));
      assertThat(connected.await(Packet.CONNACK, 5000).body()[1]).isZero();
      assertThat(mute.read(10_000)).as("no answer").isNull();
      assertThat(mute.closedByBroker(1000)).as("closed by the CONNECT timeout").isTrue();
      connected.send(PINGREQ);
      Packet pong = connected.read(5000);
      assertThat(pong).isNotNull();
      assertThat(pong.type()).isEqualTo(PINGRESP);
    }
  }

  /**
   * Verifies that an unsupported protocol level (6) gets CONNACK 0x01 unacceptable protocol version
   * and the close (MQTT 3.1.1 §3.1.2.2 [MQTT-3.1.2-2]).
   */
  @Test
  void refusesUnsupportedProtocolLevel() throws Exception {
    byte[] connect = RawMqttClient.connect(false, "level6", true, 30, null, null, null, 0);
    // fixed header (2 bytes), protocol name (2 + 4 bytes), then the level
    assertThat(connect[8]).isEqualTo((byte) 4);
    connect[8] = 6;
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(connect);
      Packet connack = raw.read(5000);
      assertThat(connack).isNotNull();
      assertThat(connack.type()).isEqualTo(Packet.CONNACK);
      assertThat(connack.body()).containsExactly(0x00, 0x01);
      assertThat(raw.closedByBroker(5000)).isTrue();
    }
  }

  /**
   * Verifies that a client id the decoder rejects — MQTT 3.1 (protocol "MQIsdp", level 3) requires
   * 1 to 23 characters — gets CONNACK 0x02 identifier rejected and the close. (3.1.1 and 5.0 put no
   * such bound: the decoder rejects none of their ids, so 5.0's 0x85 is not reachable this way.)
   */
  @Test
  void refusesClientIdTheDecoderRejects() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    RawMqttClient.string(b, "MQIsdp"); // protocol name of MQTT 3.1
    b.write(3); // protocol level 3
    b.write(0x02); // clean session
    b.write(0); // keep alive MSB
    b.write(30); // keep alive LSB
    RawMqttClient.string(b, ""); // client identifier: empty, not allowed by 3.1
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(RawMqttClient.packet(0x10, b.toByteArray()));
      Packet connack = raw.read(5000);
      assertThat(connack).isNotNull();
      assertThat(connack.type()).isEqualTo(Packet.CONNACK);
      assertThat(connack.body()).containsExactly(0x00, 0x02);
      assertThat(raw.closedByBroker(5000)).isTrue();
    }
  }

  /**
   * Verifies that CONNECT property values MQTT 5.0 §3.1.2.11 calls a Protocol Error get CONNACK
   * 0x82 and the close: Receive Maximum 0 (which would otherwise leave the client no window for QoS
   * 1/2 deliveries), Maximum Packet Size 0, Request Problem Information 2, Authentication Data
   * without a method. The same CONNECT with valid values is accepted.
   */
  @Test
  void refusesConnectPropertyProtocolErrors() throws Exception {
    byte[][] errors = {
      {0x21, 0, 0}, // receive maximum 0
      {0x27, 0, 0, 0, 0}, // maximum packet size 0
      {0x17, 2}, // request problem information 2
      {0x16, 0, 1, 7}, // authentication data, no method
    };
    for (byte[] properties : errors) {
      String id = BrokerFixture.uniqueId("props");
      try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
        raw.send(RawMqttClient.connectWithProperties(id, broker.appToken(id, "acme"), properties));
        Packet connack = raw.await(Packet.CONNACK, 5000);
        String what = String.format("property 0x%02x", properties[0]);
        assertThat(connack).as(what).isNotNull();
        assertThat(connack.body()[1] & 0xFF).as(what).isEqualTo(0x82);
        assertThat(raw.closedByBroker(5000)).as(what).isTrue();
      }
    }
    String id = BrokerFixture.uniqueId("props-ok");
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      // receive maximum 1, request problem information 1
      raw.send(
          RawMqttClient.connectWithProperties(
              id, broker.appToken(id, "acme"), new byte[] {0x21, 0, 1, 0x17, 1}));
      assertThat(raw.await(Packet.CONNACK, 5000).body()[1]).isZero();
    }
  }

  /** A client id that is not UTF-8: 0xFF never occurs in it (MQTT 3.1.1 §1.5.3, 5.0 §1.5.4). */
  private static final byte[] ILL_FORMED = {'a', (byte) 0xFF, 'b'};

  /**
   * Verifies that a client id in ill-formed UTF-8 is refused: 5.0 CONNACK 0x85 client identifier
   * not valid, 3.1.1 0x02 identifier rejected, then the close.
   */
  @Test
  void refusesIllFormedUtf8ClientId() throws Exception {
    for (boolean v5 : new boolean[] {true, false}) {
      String user = BrokerFixture.uniqueId("utf8-id");
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      RawMqttClient.string(b, "MQTT");
      b.write(v5 ? 5 : 4);
      b.write(0xC2); // user name, password, clean start
      b.write(0); // keep alive MSB
      b.write(30); // keep alive LSB
      if (v5) {
        b.write(0); // no properties
      }
      RawMqttClient.binary(b, ILL_FORMED); // client identifier
      RawMqttClient.string(b, user);
      RawMqttClient.string(b, broker.appToken(user, "acme"));
      try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
        raw.send(RawMqttClient.packet(0x10, b.toByteArray()));
        Packet connack = raw.await(Packet.CONNACK, 5000);
        assertThat(connack).as(v5 ? "5.0" : "3.1.1").isNotNull();
        assertThat(connack.body()[1] & 0xFF).isEqualTo(v5 ? 0x85 : 0x02);
        assertThat(raw.closedByBroker(5000)).isTrue();
      }
    }
  }

  /**
   * Verifies that a PUBLISH whose topic name is ill-formed UTF-8 ends that connection (5.0:
   * DISCONNECT 0x90 topic name invalid; 3.1.1: closed without an answer).
   */
  @Test
  void disconnectsIllFormedUtf8TopicName() throws Exception {
    for (boolean v5 : new boolean[] {true, false}) {
      String name = BrokerFixture.uniqueId("utf8-topic");
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      RawMqttClient.binary(b, ILL_FORMED); // topic name
      b.write(0); // packet id MSB
      b.write(9); // packet id LSB
      if (v5) {
        b.write(0); // no properties
      }
      b.writeBytes("x".getBytes(StandardCharsets.UTF_8));
      try (RawMqttClient raw = connectedRaw(v5, name)) {
        raw.send(RawMqttClient.packet(0x32, b.toByteArray())); // PUBLISH QoS 1
        if (v5) {
          Packet disconnect = raw.await(Packet.DISCONNECT, 5000);
          assertThat(disconnect).isNotNull();
          assertThat(disconnect.body()[0] & 0xFF).isEqualTo(0x90);
          assertThat(raw.closedByBroker(5000)).isTrue();
        } else {
          assertClosedWithoutAnswer(raw, "ill-formed topic on 3.1.1");
        }
      }
    }
  }

  // ---- packets a connected client should not send ----

  /** Verifies that an AUTH packet (type 15) on a 3.1.1 connection closes it without an answer. */
  @Test
  void closes311ConnectionOnAuth() throws Exception {
    try (RawMqttClient raw = connectedRaw(false, "auth311")) {
      raw.send(new byte[] {(byte) 0xF0, 0x00}); // AUTH, no reason code (5.0 only)
      assertClosedWithoutAnswer(raw, "AUTH on 3.1.1");
    }
  }

  /**
   * Verifies that acknowledgements for packet ids the broker never used do not harm the connection:
   * PUBACK, PUBREC and PUBCOMP are ignored, PUBREL gets PUBCOMP (5.0: reason 0x92 packet identifier
   * not found, §3.7.2.1), and the connection goes on (PINGREQ answered).
   */
  @Test
  void ignoresAcknowledgementsOfUnknownPacketIds() throws Exception {
    for (boolean v5 : new boolean[] {true, false}) {
      String name = BrokerFixture.uniqueId("unknown-ids");
      try (RawMqttClient raw = connectedRaw(v5, name)) {
        raw.send(
            concat(
                RawMqttClient.ack(0x40, 101), // PUBACK
                RawMqttClient.ack(0x50, 102), // PUBREC
                RawMqttClient.ack(0x70, 103), // PUBCOMP
                RawMqttClient.ack(0x62, 104), // PUBREL
                PINGREQ));
        Packet pubcomp = raw.await(Packet.PUBCOMP, 5000);
        assertThat(pubcomp).as(v5 ? "5.0" : "3.1.1").isNotNull();
        assertThat(pubcomp.packetId()).isEqualTo(104);
        if (v5) {
          assertThat(pubcomp.body()[2] & 0xFF).as("packet identifier not found").isEqualTo(0x92);
        }
        assertThat(raw.await(PINGRESP, 5000)).as("still served").isNotNull();
        raw.send(RawMqttClient.disconnect());
      }
    }
  }

  private static final byte[] PINGREQ = {(byte) 0xC0, 0x00};

  private static final int PINGRESP = 13;

  private static void assertClosedWithoutAnswer(RawMqttClient raw, String what) throws Exception {
    assertThat(raw.read(5000)).as(what + ": no answer").isNull();
    assertThat(raw.closedByBroker(1000)).as(what + ": closed").isTrue();
  }

  private static byte[] concat(byte[]... packets) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : packets) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static boolean endsWith(byte[] body, byte[] tail) {
    return body.length >= tail.length
        && java.util.Arrays.equals(
            body, body.length - tail.length, body.length, tail, 0, tail.length);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // ---- CONNACK properties (MQTT 5.0 §3.2.2.3) ----

  /** The value of a two-byte integer property of a 5.0 CONNACK, or -1. */
  private static int twoByteProperty(Packet connack, int id) {
    byte[] v = property(connack, id);
    return v == null ? -1 : ((v[0] & 0xFF) << 8) | (v[1] & 0xFF);
  }

  private static String stringProperty(Packet connack, int id) {
    byte[] v = property(connack, id);
    return v == null ? null : new String(v, 2, v.length - 2, StandardCharsets.UTF_8);
  }

  /** The raw bytes of property {@code id} (for strings: with their length prefix), or null. */
  private static byte[] property(Packet connack, int id) {
    byte[] b = connack.body();
    int i = 2;
    int length = 0;
    int shift = 0;
    int digit;
    do {
      digit = b[i++] & 0xFF;
      length |= (digit & 0x7F) << shift;
      shift += 7;
    } while ((digit & 0x80) != 0);
    int end = i + length;
    while (i < end) {
      int pid = b[i++] & 0xFF;
      int size =
          switch (pid) {
            case 0x24, 0x25, 0x28, 0x29, 0x2A -> 1; // byte properties
            case 0x13, 0x21, 0x22 -> 2; // two-byte integers
            case 0x11, 0x27 -> 4; // four-byte integers
            case 0x12, 0x15, 0x1A, 0x1C, 0x1F, 0x16 ->
                2 + (((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF)); // strings, binary
            case 0x26 -> { // user property: two strings
              int k = 2 + (((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF));
              yield k + 2 + (((b[i + k] & 0xFF) << 8) | (b[i + k + 1] & 0xFF));
            }
            default -> throw new IllegalStateException("unexpected CONNACK property " + pid);
          };
      if (pid == id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, i, size);
        return out.toByteArray();
      }
      i += size;
    }
    return null;
  }

  /** A raw client connected with an app token (clean start, keep alive 30 s), CONNACK accepted. */
  private RawMqttClient connectedRaw(boolean v5, String name) throws IOException {
    RawMqttClient raw = RawMqttClient.open(broker.port);
    try {
      raw.send(
          RawMqttClient.connect(v5, name, true, 30, name, broker.appToken(name, "acme"), null, 0));
      assertThat(raw.await(Packet.CONNACK, 5000).body()[1]).isZero();
      return raw;
    } catch (IOException | RuntimeException | Error e) {
      raw.close();
      throw e;
    }
  }

  /** A 5.0 subscriber on {@code prefix/#} that sees what the broker routed there. */
  private final class Watcher implements AutoCloseable {
    private final String prefix;
    private final Mqtt5BlockingClient client;
    private final Mqtt5BlockingClient.Mqtt5Publishes in;

    Watcher(String prefix) {
      this.prefix = prefix;
      String name = BrokerFixture.uniqueId(prefix + "-watch");
      client = broker.connectV5(name, name, broker.appToken(name, "acme"));
      in = client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL);
      client.subscribeWith().topicFilter(prefix + "/#").send();
    }

    Mqtt5Publish next() throws InterruptedException {
      Optional<Mqtt5Publish> got = in.receive(5, TimeUnit.SECONDS);
      assertThat(got).as("a message routed to " + prefix + "/#").isPresent();
      return got.get();
    }

    /**
     * Publishes a marker and expects it next and alone: the broker serves and routed nothing else.
     */
    void assertNothingElseRouted() throws InterruptedException {
      client.publishWith().topic(prefix + "/end").payload(bytes("end")).send();
      assertThat(next().getTopic().toString()).isEqualTo(prefix + "/end");
      assertThat(in.receive(200, TimeUnit.MILLISECONDS)).as("nothing after the marker").isEmpty();
    }

    @Override
    public void close() {
      client.disconnect();
    }
  }
}
