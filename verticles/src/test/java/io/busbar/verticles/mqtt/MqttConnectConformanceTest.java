package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
    Mqtt5BlockingClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(name)
            .serverHost("127.0.0.1")
            .serverPort(broker.port)
            .buildBlocking();
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
    Mqtt5BlockingClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(name)
            .serverHost("127.0.0.1")
            .serverPort(broker.port)
            .buildBlocking();
    Mqtt5ConnAck ack =
        c.connectWith()
            .simpleAuth()
            .password(broker.appToken(name, "acme").getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .send();
    assertThat(ack.getReasonCode().getCode()).isZero();
    c.disconnect();

    Mqtt5BlockingClient none =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(name)
            .serverHost("127.0.0.1")
            .serverPort(broker.port)
            .buildBlocking();
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

    Mqtt5BlockingClient again =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(assigned)
            .serverHost("127.0.0.1")
            .serverPort(broker.port)
            .buildBlocking();
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
}
