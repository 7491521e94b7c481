package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Deviations from the MQTT 5.0 specification that the Eclipse Paho interoperability suite ({@code
 * client_test5.py}, see docs/conformance.md) revealed, one test each. Real clients refuse to send
 * the offending packets, so the offending side is the byte-level {@link RawMqttClient} and the
 * well-behaved side a HiveMQ client.
 */
@Timeout(30)
class MqttInteropRegressionTest {

  /** A small window, so that exceeding it takes a handful of packets. */
  private static final int RECEIVE_MAXIMUM = 4;

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker =
        BrokerFixture.start(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withReceiveMaximum(RECEIVE_MAXIMUM));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static RawMqttClient rawV5(String clientId) throws Exception {
    RawMqttClient raw = RawMqttClient.open(broker.port);
    raw.send(
        RawMqttClient.connect(
            true, clientId, true, 30, clientId, broker.appToken(clientId, "acme"), null, 0));
    assertThat(raw.await(Packet.CONNACK, 5000)).isNotNull();
    return raw;
  }

  /**
   * Verifies that a PUBLISH with Topic Alias 0 is a protocol error answered with DISCONNECT 0x94
   * topic alias invalid, and is not routed (MQTT 5.0 §3.3.2.3.4, [MQTT-3.3.2-8]; Paho
   * test_client_topic_alias). Before the fix the alias was taken as absent and the message routed.
   */
  @Test
  void refusesTopicAliasZero() throws Exception {
    String name = BrokerFixture.uniqueId("watcher");
    Mqtt5BlockingClient watcher = broker.connectV5(name, name, broker.appToken(name, "acme"));
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("interop/alias/#").send();
    try (RawMqttClient raw = rawV5(BrokerFixture.uniqueId("alias0"))) {
      raw.send(RawMqttClient.publishWithAlias("interop/alias/zero", 0, bytes("zero")));
      Packet disconnect = raw.await(Packet.DISCONNECT, 5000);
      assertThat(disconnect).isNotNull();
      assertThat(disconnect.body()[0] & 0xFF).isEqualTo(0x94);
      assertThat(raw.read(2000)).isNull(); // and the connection is closed
    }
    // the watcher is still served, and never saw the refused message
    Mqtt5BlockingClient pub = broker.connectV5(name + "p", name, broker.appToken(name, "acme"));
    pub.publishWith().topic("interop/alias/after").qos(MqttQos.AT_LEAST_ONCE).send();
    assertThat(in.receive(5, TimeUnit.SECONDS).orElseThrow().getTopic().toString())
        .isEqualTo("interop/alias/after");
    pub.disconnect();
    watcher.disconnect();
  }

  /**
   * Verifies that the CONNACK tells a 5.0 client the broker's Receive Maximum, and that a HiveMQ
   * client publishing far more QoS 1 and QoS 2 messages than that at once (it keeps to the window)
   * has every one acknowledged (MQTT 5.0 §3.2.2.3.3, §4.9).
   */
  @Test
  void advertisesReceiveMaximumThatHonestClientsKeepTo() throws Exception {
    String name = BrokerFixture.uniqueId("window");
    Mqtt5AsyncClient client = broker.v5Client(name).toAsync();
    Mqtt5ConnAck connAck =
        client
            .connectWith()
            .simpleAuth()
            .username(name)
            .password(broker.appToken(name, "acme").getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .send()
            .get(5, TimeUnit.SECONDS);
    assertThat(connAck.getRestrictions().getReceiveMaximum()).isEqualTo(RECEIVE_MAXIMUM);
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = 0; i < 20 * RECEIVE_MAXIMUM; i++) {
      acks.add(
          client
              .publishWith()
              .topic("interop/window/" + i)
              .qos(i % 2 == 0 ? MqttQos.AT_LEAST_ONCE : MqttQos.EXACTLY_ONCE)
              .payload(bytes("m" + i))
              .send());
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    assertThat(client.getState().isConnected()).isTrue();
    client.disconnect().get(5, TimeUnit.SECONDS);
  }

  /**
   * Verifies that a client with Receive Maximum QoS 2 PUBLISHes unreleased gets DISCONNECT 0x93
   * receive maximum exceeded for one more (MQTT 5.0 §3.3.4, §4.13; Paho test_flow_control2), and
   * that a PUBREL → PUBCOMP frees a place in the window. Before the fix the broker advertised no
   * Receive Maximum (65,535) and accepted any number.
   */
  @Test
  void disconnectsClientBeyondReceiveMaximum() throws Exception {
    try (RawMqttClient raw = rawV5(BrokerFixture.uniqueId("flood"))) {
      for (int id = 1; id <= RECEIVE_MAXIMUM; id++) {
        raw.send(RawMqttClient.publish(true, "interop/flood", 2, id, false, false, bytes("q2")));
        assertThat(raw.await(Packet.PUBREC, 5000).packetId()).isEqualTo(id);
      }
      // releasing one makes room for exactly one more
      raw.send(RawMqttClient.ack(0x62, 1)); // PUBREL, flags 0b0010
      assertThat(raw.await(Packet.PUBCOMP, 5000).packetId()).isEqualTo(1);
      raw.send(RawMqttClient.publish(true, "interop/flood", 2, 100, false, false, bytes("q2")));
      assertThat(raw.await(Packet.PUBREC, 5000).packetId()).isEqualTo(100);
      // a retransmission of an unreleased one is not a new message in flight
      raw.send(RawMqttClient.publish(true, "interop/flood", 2, 2, true, false, bytes("q2")));
      assertThat(raw.await(Packet.PUBREC, 5000).packetId()).isEqualTo(2);
      // the window is full: one more QoS 1 is a protocol error
      raw.send(RawMqttClient.publish(true, "interop/flood", 1, 101, false, false, bytes("q1")));
      Packet disconnect = raw.await(Packet.DISCONNECT, 5000);
      assertThat(disconnect).isNotNull();
      assertThat(disconnect.body()[0] & 0xFF).isEqualTo(0x93);
    }
  }

  /**
   * Verifies that a client that pipelines past its Receive Maximum, and goes on answering PUBRECs
   * with PUBRELs as it reads them, reads every PUBREC and then the DISCONNECT 0x93 and its writes
   * do not fail: the broker discards what follows the DISCONNECT and closes without a TCP reset
   * (Paho test_flow_control2, whose client got "broken pipe" and never saw the reason code). Before
   * the fix the broker closed with the burst unread, and the kernel's reset lost the DISCONNECT.
   */
  @Test
  void pipeliningClientReadsTheDisconnectReason() throws Exception {
    try (RawMqttClient raw = rawV5(BrokerFixture.uniqueId("burst"))) {
      java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
      byte[] payload = new byte[1024];
      for (int id = 1; id <= RECEIVE_MAXIMUM + 200; id++) {
        burst.writeBytes(
            RawMqttClient.publish(true, "interop/burst", 2, id, false, false, payload));
      }
      raw.send(burst.toByteArray());
      // like the Paho client, which reads only once it has sent everything: by then the broker
      // has long answered the one PUBLISH too many
      Thread.sleep(500);
      int pubrecs = 0;
      Packet p;
      while ((p = raw.read(5000)) != null && p.type() != Packet.DISCONNECT) {
        assertThat(p.type()).isEqualTo(Packet.PUBREC);
        pubrecs++;
        raw.send(RawMqttClient.ack(0x62, p.packetId())); // PUBREL, as the Paho client does
      }
      assertThat(pubrecs).isEqualTo(RECEIVE_MAXIMUM);
      assertThat(p).isNotNull();
      assertThat(p.body()[0] & 0xFF).isEqualTo(0x93);
      assertThat(raw.closedByBroker((int) LingeringClose.LINGER_MILLIS + 3000)).isTrue();
    }
  }

  /**
   * Verifies that QoS 1 PUBLISHes answered with a failing PUBACK (here 0x87, a topic outside the
   * device's ACL) leave the window, so a device refused many times is not disconnected for it.
   */
  @Test
  void refusedPublishesLeaveTheWindow() throws Exception {
    String device = BrokerFixture.uniqueId("dev");
    Mqtt5BlockingClient client =
        broker.connectV5(device, device, broker.deviceToken(device, "acme"));
    for (int i = 0; i < 3 * RECEIVE_MAXIMUM; i++) {
      Mqtt5PubAckException e =
          catchThrowableOfType(
              Mqtt5PubAckException.class,
              () ->
                  client.publishWith().topic("interop/not-mine").qos(MqttQos.AT_LEAST_ONCE).send());
      assertThat(e).isNotNull();
      assertThat(e.getMqttMessage().getReasonCode())
          .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    }
    assertThat(client.getState().isConnected()).isTrue();
    client.disconnect();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
