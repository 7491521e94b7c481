package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import io.busbar.verticles.mqtt.session.QueuePolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Persistent sessions (MQTT 3.1.1 §3.1.2.4, 5.0 §3.1.2.4 and §3.1.2.11): stored subscriptions,
 * offline queues with their bound and policy, redelivery with DUP, expiry.
 */
@Timeout(30)
class MqttSessionTest {

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker =
        BrokerFixture.start(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withQueue(3, QueuePolicy.DROP_OLDEST));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static Mqtt5BlockingClient publisher() {
    String name = BrokerFixture.uniqueId("pub");
    return broker.connectV5(name, name, broker.appToken(name, "acme"));
  }

  private static Mqtt5ConnAck connectPersistent(Mqtt5BlockingClient c, String token, long expiry) {
    return c.connectWith()
        .cleanStart(false)
        .sessionExpiryInterval(expiry)
        .simpleAuth()
        .username("")
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
  }

  private static String text(Mqtt5Publish p) {
    return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
  }

  /**
   * Verifies that a 5.0 session with clean start 0 and an expiry interval keeps its subscription
   * while the client is away, queues QoS 1 messages (at most 3, oldest dropped and counted) and
   * delivers them in order on return with session present.
   */
  @Test
  void queuesWhileAwayAndDeliversOnReturn() throws Exception {
    String token = broker.appToken("keeper", "acme");
    Mqtt5BlockingClient first = broker.v5Client("keeper-1");
    assertThat(connectPersistent(first, token, 60).isSessionPresent()).isFalse();
    first.subscribeWith().topicFilter("sess/q/#").qos(MqttQos.AT_LEAST_ONCE).send();
    first.disconnect();

    double dropped = broker.counter("busbar.mqtt.queue.dropped");
    Mqtt5BlockingClient pub = publisher();
    for (int i = 1; i <= 5; i++) {
      pub.publishWith()
          .topic("sess/q/" + i)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(("m" + i).getBytes())
          .send();
    }
    assertThat(broker.counter("busbar.mqtt.queue.dropped")).isEqualTo(dropped + 2);

    Mqtt5BlockingClient back = broker.v5Client("keeper-1");
    Mqtt5Publishes in = back.publishes(MqttGlobalPublishFilter.ALL);
    assertThat(connectPersistent(back, token, 60).isSessionPresent()).isTrue();
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Optional<Mqtt5Publish> p = in.receive(5, TimeUnit.SECONDS);
      assertThat(p).isPresent();
      got.add(text(p.get()));
    }
    assertThat(got).containsExactly("m3", "m4", "m5");
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();

    // the stored subscription still routes live messages
    pub.publishWith()
        .topic("sess/q/live")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("live".getBytes())
        .send();
    assertThat(text(in.receive(5, TimeUnit.SECONDS).orElseThrow())).isEqualTo("live");
    back.disconnect();
    pub.disconnect();
  }

  /** Verifies that clean start 1 discards the stored session: not present, no old subscription. */
  @Test
  void cleanStartDiscardsSession() throws Exception {
    String token = broker.appToken("cleaner", "acme");
    Mqtt5BlockingClient first = broker.v5Client("cleaner-1");
    connectPersistent(first, token, 60);
    first.subscribeWith().topicFilter("sess/clean").qos(MqttQos.AT_LEAST_ONCE).send();
    first.disconnect();

    Mqtt5BlockingClient fresh = broker.v5Client("cleaner-1");
    Mqtt5Publishes in = fresh.publishes(MqttGlobalPublishFilter.ALL);
    Mqtt5ConnAck ack =
        fresh
            .connectWith()
            .cleanStart(true)
            .simpleAuth()
            .username("")
            .password(token.getBytes())
            .applySimpleAuth()
            .send();
    assertThat(ack.isSessionPresent()).isFalse();
    Mqtt5BlockingClient pub = publisher();
    pub.publishWith().topic("sess/clean").qos(MqttQos.AT_LEAST_ONCE).payload("x".getBytes()).send();
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
    fresh.disconnect();
    pub.disconnect();
  }

  /** Verifies that a session ends when its expiry interval passes with the client away. */
  @Test
  void sessionExpires() throws Exception {
    String token = broker.appToken("brief", "acme");
    Mqtt5BlockingClient first = broker.v5Client("brief-1");
    connectPersistent(first, token, 1);
    first.subscribeWith().topicFilter("sess/brief").send();
    first.disconnect();
    Thread.sleep(1600);
    Mqtt5BlockingClient back = broker.v5Client("brief-1");
    assertThat(connectPersistent(back, token, 1).isSessionPresent()).isFalse();
    back.disconnect();
  }

  /**
   * Verifies that a QoS 1 message left unacknowledged when the connection dropped is sent again
   * with DUP and the same packet id after a 3.1.1 reconnect with clean session 0 (§4.4).
   */
  @Test
  void redeliversUnackedWithDup() throws Exception {
    String token = broker.appToken("raw-sess", "acme");
    int packetId;
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(RawMqttClient.connect(false, "raw-sess-1", false, 30, "raw-sess", token, null, 0));
      assertThat(raw.await(Packet.CONNACK, 5000)).isNotNull();
      raw.send(RawMqttClient.subscribe(false, 1, "sess/dup", 1));
      raw.await(Packet.SUBACK, 5000);
      Mqtt5BlockingClient pub = publisher();
      pub.publishWith()
          .topic("sess/dup")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload("again".getBytes())
          .send();
      pub.disconnect();
      Packet first = raw.await(Packet.PUBLISH, 5000);
      assertThat(first.dup()).isFalse();
      packetId = first.packetId();
      // no PUBACK: the connection drops
    }
    try (RawMqttClient raw = RawMqttClient.open(broker.port)) {
      raw.send(RawMqttClient.connect(false, "raw-sess-1", false, 30, "raw-sess", token, null, 0));
      Packet connack = raw.await(Packet.CONNACK, 5000);
      assertThat(connack.body()[0]).as("session present").isEqualTo((byte) 1);
      Packet again = raw.await(Packet.PUBLISH, 5000);
      assertThat(again).isNotNull();
      assertThat(again.dup()).isTrue();
      assertThat(again.packetId()).isEqualTo(packetId);
      assertThat(again.topic()).isEqualTo("sess/dup");
      raw.send(RawMqttClient.ack(0x40, packetId));
      assertThat(raw.read(300)).isNull();
      raw.send(RawMqttClient.disconnect());
    }
  }

  /** Verifies a 3.1.1 non-clean session with Paho: messages published while away arrive later. */
  @Test
  void paho311PersistentSession() throws Exception {
    String uri = "tcp://127.0.0.1:" + broker.port;
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(false);
    o.setUserName("paho-keeper");
    o.setPassword(broker.appToken("paho-keeper", "acme").toCharArray());
    org.eclipse.paho.client.mqttv3.MqttClient c =
        new org.eclipse.paho.client.mqttv3.MqttClient(uri, "paho-keeper", new MemoryPersistence());
    c.connect(o);
    c.subscribe("sess/paho", 1);
    c.disconnect();
    c.close();

    Mqtt5BlockingClient pub = publisher();
    pub.publishWith()
        .topic("sess/paho")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("while-away".getBytes())
        .send();
    pub.disconnect();

    BlockingQueue<String> in = new LinkedBlockingQueue<>();
    org.eclipse.paho.client.mqttv3.MqttClient back =
        new org.eclipse.paho.client.mqttv3.MqttClient(uri, "paho-keeper", new MemoryPersistence());
    back.setCallback(
        new org.eclipse.paho.client.mqttv3.MqttCallback() {
          @Override
          public void connectionLost(Throwable cause) {}

          @Override
          public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
            in.add(new String(m.getPayload(), StandardCharsets.UTF_8));
          }

          @Override
          public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {}
        });
    back.connect(o);
    assertThat(in.poll(5, TimeUnit.SECONDS)).isEqualTo("while-away");
    back.disconnect();
    back.close();
  }
}
