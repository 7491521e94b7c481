package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import io.busbar.verticles.mqtt.RawMqttClient.Will;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connection lifecycle: takeover, assigned client ids, wills with delay, keep-alive. */
@Timeout(30)
class MqttLifecycleTest {

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /**
   * Verifies that a second connection with the same client id takes the session over and the first
   * one gets DISCONNECT 0x8E session taken over (MQTT 5.0 §3.1.4).
   */
  @Test
  void takesOverSession() throws Exception {
    BlockingQueue<Throwable> causes = new LinkedBlockingQueue<>();
    String token = broker.appToken("twin", "acme");
    Mqtt5BlockingClient first =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("twin-1")
            .serverHost("127.0.0.1")
            .serverPort(broker.port)
            .addDisconnectedListener(ctx -> causes.add(ctx.getCause()))
            .buildBlocking();
    first
        .connectWith()
        .simpleAuth()
        .username("twin")
        .password(token.getBytes())
        .applySimpleAuth()
        .send();
    Mqtt5BlockingClient second = broker.connectV5("twin-1", "twin", token);
    Throwable cause = causes.poll(5, TimeUnit.SECONDS);
    assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
    assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER);
    assertThat(second.getState().isConnected()).isTrue();
    second.disconnect();
  }

  /** Verifies that a 3.1.1 connection is closed when another takes its client id (§3.1.4). */
  @Test
  void takesOver311Connection() throws Exception {
    String token = broker.appToken("twin3", "acme");
    try (RawMqttClient first = RawMqttClient.open(broker.port)) {
      first.send(RawMqttClient.connect(false, "twin3-1", true, 30, "twin3", token, null, 0));
      first.await(Packet.CONNACK, 5000);
      try (RawMqttClient second = RawMqttClient.open(broker.port)) {
        second.send(RawMqttClient.connect(false, "twin3-1", true, 30, "twin3", token, null, 0));
        assertThat(second.await(Packet.CONNACK, 5000).body()[1]).isEqualTo((byte) 0);
        assertThat(first.closedByBroker(5000)).isTrue();
      }
    }
  }

  /** Verifies that a 5.0 client with an empty client id gets an Assigned Client Identifier. */
  @Test
  void assignsClientIdentifier() {
    String token = broker.appToken("nameless", "acme");
    Mqtt5BlockingClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .serverHost("127.0.0.1")
            .serverPort(broker.port)
            .buildBlocking();
    Mqtt5ConnAck ack =
        c.connectWith()
            .simpleAuth()
            .username("")
            .password(token.getBytes())
            .applySimpleAuth()
            .send();
    assertThat(ack.getAssignedClientIdentifier()).isPresent();
    assertThat(ack.getAssignedClientIdentifier().get().toString()).isNotBlank();
    c.disconnect();
  }

  /**
   * Verifies that the will is published when a connection drops without DISCONNECT, and not after a
   * normal DISCONNECT (§3.1.2.5).
   */
  @Test
  void publishesWillOnAbnormalClose() throws Exception {
    Mqtt5BlockingClient watcher = broker.connectApp();
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("wills/#").send();
    String token = broker.appToken("mortal", "acme");
    Will will = new Will("wills/mortal", "gone".getBytes(StandardCharsets.UTF_8), 1, 0);

    try (RawMqttClient polite = RawMqttClient.open(broker.port)) {
      polite.send(RawMqttClient.connect(false, "polite-1", true, 30, "mortal", token, will, 0));
      polite.await(Packet.CONNACK, 5000);
      polite.send(RawMqttClient.disconnect());
    }
    assertThat(in.receive(500, TimeUnit.MILLISECONDS)).isEmpty();

    try (RawMqttClient rude = RawMqttClient.open(broker.port)) {
      rude.send(RawMqttClient.connect(false, "rude-1", true, 30, "mortal", token, will, 0));
      rude.await(Packet.CONNACK, 5000);
    } // socket closed without DISCONNECT
    Optional<Mqtt5Publish> got = in.receive(5, TimeUnit.SECONDS);
    assertThat(got).isPresent();
    assertThat(got.get().getTopic().toString()).isEqualTo("wills/mortal");
    assertThat(new String(got.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("gone");
    watcher.disconnect();
  }

  /**
   * Verifies the 5.0 will delay interval: the will comes after the delay, and not at all when the
   * client reconnects before the delay has passed (§3.1.3.2.2).
   */
  @Test
  void delaysWillAndCancelsOnReturn() throws Exception {
    Mqtt5BlockingClient watcher = broker.connectApp();
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("delayed/#").send();
    String token = broker.appToken("slow", "acme");

    Will soon = new Will("delayed/soon", "late".getBytes(StandardCharsets.UTF_8), 0, 1);
    long closedAt;
    try (RawMqttClient c = RawMqttClient.open(broker.port)) {
      c.send(RawMqttClient.connect(true, "slow-1", true, 30, "slow", token, soon, 30));
      c.await(Packet.CONNACK, 5000);
      closedAt = System.currentTimeMillis();
    }
    Optional<Mqtt5Publish> got = in.receive(5, TimeUnit.SECONDS);
    assertThat(got).isPresent();
    assertThat(System.currentTimeMillis() - closedAt).isGreaterThanOrEqualTo(900);

    Will never = new Will("delayed/never", "x".getBytes(StandardCharsets.UTF_8), 0, 2);
    try (RawMqttClient c = RawMqttClient.open(broker.port)) {
      c.send(RawMqttClient.connect(true, "slow-2", true, 30, "slow", token, never, 30));
      c.await(Packet.CONNACK, 5000);
    }
    try (RawMqttClient back = RawMqttClient.open(broker.port)) {
      back.send(RawMqttClient.connect(true, "slow-2", false, 30, "slow", token, null, 30));
      assertThat(back.await(Packet.CONNACK, 5000).body()[0])
          .as("session present")
          .isEqualTo((byte) 1);
      assertThat(in.receive(2500, TimeUnit.MILLISECONDS)).isEmpty();
      back.send(RawMqttClient.disconnect());
    }
    watcher.disconnect();
  }

  /**
   * Verifies that a client silent for 1.5 × its keep-alive is disconnected and its will published
   * (MQTT §3.1.2.10).
   */
  @Test
  void closesSilentClientAfterOneAndAHalfKeepAlive() throws Exception {
    Mqtt5BlockingClient watcher = broker.connectApp();
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("silent/#").send();
    String token = broker.appToken("quiet", "acme");
    try (RawMqttClient c = RawMqttClient.open(broker.port)) {
      c.send(
          RawMqttClient.connect(
              false,
              "quiet-1",
              true,
              1,
              "quiet",
              token,
              new Will("silent/quiet", "timeout".getBytes(StandardCharsets.UTF_8), 0, 0),
              0));
      c.await(Packet.CONNACK, 5000);
      long t0 = System.currentTimeMillis();
      assertThat(c.closedByBroker(5000)).isTrue();
      long waited = System.currentTimeMillis() - t0;
      assertThat(waited).isBetween(1000L, 3500L);
    }
    assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
    watcher.disconnect();
  }

  /**
   * Verifies that a silent 5.0 client (keep alive 1 s) gets DISCONNECT 0x8D keep alive timeout
   * before the close, and that its will is published (MQTT 5.0 §3.1.2.10, §3.14.2.1).
   */
  @Test
  void disconnectsSilent5ClientWithKeepAliveTimeoutAndPublishesWill() throws Exception {
    Mqtt5BlockingClient watcher = broker.connectApp();
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("silent5/#").send();
    String token = broker.appToken("quiet5", "acme");
    try (RawMqttClient c = RawMqttClient.open(broker.port)) {
      c.send(
          RawMqttClient.connect(
              true,
              "quiet5-1",
              true,
              1,
              "quiet5",
              token,
              new Will("silent5/quiet", "timeout".getBytes(StandardCharsets.UTF_8), 0, 0),
              0));
      assertThat(c.await(Packet.CONNACK, 5000).body()[1]).isZero();
      // silent from here on: the next packet is the broker's DISCONNECT
      Packet disconnect = c.read(6000);
      assertThat(disconnect).isNotNull();
      assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
      assertThat(disconnect.body()[0] & 0xFF).as("keep alive timeout").isEqualTo(0x8D);
      assertThat(c.closedByBroker((int) LingeringClose.LINGER_MILLIS + 3000)).isTrue();
    }
    Optional<Mqtt5Publish> will = in.receive(5, TimeUnit.SECONDS);
    assertThat(will).isPresent();
    assertThat(will.get().getTopic().toString()).isEqualTo("silent5/quiet");
    assertThat(new String(will.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
        .isEqualTo("timeout");
    watcher.disconnect();
  }

  /**
   * Verifies that a DISCONNECT setting a non-zero Session Expiry Interval after 0 on the CONNECT is
   * not a valid DISCONNECT: the broker answers DISCONNECT 0x82 protocol error and publishes the
   * will, as for any end that is not a DISCONNECT of the client's (MQTT 5.0 §3.14.2.2.2).
   */
  @Test
  void refusesSessionExpiryOnDisconnectAfterZero() throws Exception {
    Mqtt5BlockingClient watcher = broker.connectApp();
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("expiry0/#").send();
    String token = broker.appToken("late-expiry", "acme");
    try (RawMqttClient c = RawMqttClient.open(broker.port)) {
      c.send(
          RawMqttClient.connect(
              true,
              "late-expiry-1",
              true,
              30,
              "late-expiry",
              token,
              new Will("expiry0/late", "invalid".getBytes(StandardCharsets.UTF_8), 0, 0),
              0));
      assertThat(c.await(Packet.CONNACK, 5000).body()[1]).isZero();
      // DISCONNECT 0x00 with properties: session expiry interval 60 s
      c.send(RawMqttClient.packet(0xE0, new byte[] {0x00, 5, 0x11, 0, 0, 0, 60}));
      Packet disconnect = c.await(Packet.DISCONNECT, 5000);
      assertThat(disconnect).isNotNull();
      assertThat(disconnect.body()[0] & 0xFF).as("protocol error").isEqualTo(0x82);
    }
    Optional<Mqtt5Publish> will = in.receive(5, TimeUnit.SECONDS);
    assertThat(will).isPresent();
    assertThat(will.get().getTopic().toString()).isEqualTo("expiry0/late");
    watcher.disconnect();
  }

  /**
   * Verifies that a second CONNECT on a live 5.0 connection gets DISCONNECT 0x82 protocol error and
   * the close, and on a 3.1.1 connection the close without an answer (MQTT 5.0 §3.1.0, 3.1.1 §3.1.0
   * [MQTT-3.1.0-2]); either way the will is published, as for any close that is not a DISCONNECT of
   * the client's.
   */
  @Test
  void closesConnectionOnSecondConnect() throws Exception {
    Mqtt5BlockingClient watcher = broker.connectApp();
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("twice/#").send();
    String token = broker.appToken("twice", "acme");
    for (boolean v5 : new boolean[] {true, false}) {
      String id = BrokerFixture.uniqueId("twice");
      Will will = new Will("twice/" + id, "second".getBytes(StandardCharsets.UTF_8), 0, 0);
      try (RawMqttClient c = RawMqttClient.open(broker.port)) {
        c.send(RawMqttClient.connect(v5, id, true, 30, "twice", token, will, 0));
        assertThat(c.await(Packet.CONNACK, 5000).body()[1]).isZero();
        c.send(RawMqttClient.connect(v5, id, true, 30, "twice", token, null, 0));
        Packet answer = c.read(5000);
        if (v5) {
          assertThat(answer).isNotNull();
          assertThat(answer.type()).isEqualTo(Packet.DISCONNECT);
          assertThat(answer.body()[0] & 0xFF).as("protocol error").isEqualTo(0x82);
          assertThat(c.closedByBroker((int) LingeringClose.LINGER_MILLIS + 3000)).isTrue();
        } else {
          assertThat(answer).as("3.1.1: no answer").isNull();
          assertThat(c.closedByBroker(1000)).isTrue();
        }
      }
      Optional<Mqtt5Publish> got = in.receive(5, TimeUnit.SECONDS);
      assertThat(got).as("will of the %s connection", v5 ? "5.0" : "3.1.1").isPresent();
      assertThat(got.get().getTopic().toString()).isEqualTo("twice/" + id);
    }
    watcher.disconnect();
  }
}
