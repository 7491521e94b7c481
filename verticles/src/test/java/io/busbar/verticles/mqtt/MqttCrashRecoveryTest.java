package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import io.busbar.verticles.mqtt.RawMqttClient.Will;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * State of persistent sessions that must survive a kill -9 of the node (a separate JVM, {@link
 * DurableNodeMain}) or a restart: packet ids of incoming QoS 2 flows awaiting PUBREL (MQTT 5.0
 * §4.3.3) and wills waiting for their will delay (§3.1.3.2.2).
 */
@Timeout(60)
class MqttCrashRecoveryTest {

  private static MqttConfig durable(Path dir) {
    return new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
        .withDataDir(dir);
  }

  /** A broker in its own JVM on {@code dir}, and its MQTT port. */
  private record Node(Process process, int port) {

    static Node start(Path dir) throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p =
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  DurableNodeMain.class.getName(),
                  dir.toString())
              .redirectErrorStream(true)
              .start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("PORT ")) {
          port = Integer.parseInt(line.substring(5).trim());
          break;
        }
      }
      Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
      drain.setDaemon(true);
      drain.start();
      assertThat(port).isPositive();
      return new Node(p, port);
    }

    /** SIGKILL: no shutdown hooks, no flush. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Mqtt5BlockingClient persistent(
      int port, String id, String token, Mqtt5Publishes[] publishes) {
    Mqtt5BlockingClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(port)
            .buildBlocking();
    publishes[0] = c.publishes(MqttGlobalPublishFilter.ALL);
    c.connectWith()
        .cleanStart(false)
        .sessionExpiryInterval(300)
        .simpleAuth()
        .username("")
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    return c;
  }

  private static List<String> drain(Mqtt5Publishes in, int quietMillis) throws Exception {
    List<String> got = new ArrayList<>();
    Optional<Mqtt5Publish> p;
    while ((p = in.receive(quietMillis, TimeUnit.MILLISECONDS)).isPresent()) {
      got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
    }
    return got;
  }

  /**
   * An app token of tenant acme for {@code device}, signed with the keys of the node on {@code
   * dir}.
   */
  private static String token(Path dir, String device) throws Exception {
    try (BrokerFixture keys = BrokerFixture.start(durable(BrokerFixture.tempDir()), dir)) {
      return keys.appToken(device, "acme");
    }
  }

  /**
   * A QoS 1 will on {@code wills/<clientId>}, sent {@code delaySeconds} after the connection ends.
   */
  private static Will will(String clientId, String payload, int delaySeconds) {
    return new Will("wills/" + clientId, payload.getBytes(StandardCharsets.UTF_8), 1, delaySeconds);
  }

  /** A clean 5.0 client subscribed to {@code wills/#} at QoS 1, and what it receives. */
  private record WillWatcher(Mqtt5BlockingClient client, Mqtt5Publishes wills) {
    static WillWatcher on(BrokerFixture node, String id, String token) {
      Mqtt5BlockingClient c = node.connectV5(id, "", token);
      Mqtt5Publishes in = c.publishes(MqttGlobalPublishFilter.ALL);
      c.subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE).send();
      return new WillWatcher(c, in);
    }
  }

  /**
   * Opens {@code client}'s persistent 5.0 session (expiry 300 s, keep alive 60 s, maybe with a
   * will) and asserts the CONNACK accepts it.
   */
  private static Packet connectPersistent(
      RawMqttClient client, String clientId, String token, Will will) throws Exception {
    client.send(RawMqttClient.connect(true, clientId, false, 60, "", token, will, 300));
    Packet connack = client.await(Packet.CONNACK, 5000);
    assertThat(connack.body()[1]).as("CONNACK reason code").isZero();
    return connack;
  }

  /**
   * Verifies that a QoS 2 PUBLISH acknowledged with PUBREC but not yet released is not routed a
   * second time when the client resends it (DUP) after a kill -9 of the broker, and that its PUBREL
   * then gets PUBCOMP 0x00 (MQTT 5.0 §4.3.3, §4.4).
   */
  @Test
  void incomingQos2SurvivesKillMinus9() throws Exception {
    Path dir = BrokerFixture.tempDir();
    Node node = Node.start(dir);
    String token;
    try {
      token = token(dir, "exactly"); // the node made its signing key in dir
      Mqtt5Publishes[] subIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient sub = persistent(node.port(), "q2-sub", token, subIn);
      sub.subscribeWith().topicFilter("q2/#").qos(MqttQos.EXACTLY_ONCE).send();
      sub.disconnect(); // offline: the message waits in its (durable) session
      try (RawMqttClient pub = RawMqttClient.open(node.port())) {
        connectPersistent(pub, "q2-pub", token, null);
        pub.send(RawMqttClient.publish(true, "q2/a", 2, 7, false, false, "once".getBytes()));
        Packet pubrec = pub.await(Packet.PUBREC, 5000);
        assertThat(pubrec).isNotNull();
        assertThat(pubrec.packetId()).isEqualTo(7);
        node.kill(); // PUBREL never sent
      }
    } finally {
      node.kill();
    }
    try (BrokerFixture after = BrokerFixture.start(durable(dir), dir)) {
      try (RawMqttClient pub = RawMqttClient.open(after.port)) {
        Packet connack = connectPersistent(pub, "q2-pub", token, null);
        assertThat(connack.body()[0] & 0x01).as("session present").isEqualTo(1);
        // §4.4: the client resends the unacknowledged PUBLISH with DUP set
        pub.send(RawMqttClient.publish(true, "q2/a", 2, 7, true, false, "once".getBytes()));
        Packet pubrec = pub.await(Packet.PUBREC, 5000);
        assertThat(pubrec.packetId()).isEqualTo(7);
        pub.send(RawMqttClient.ack(0x62, 7)); // PUBREL
        Packet pubcomp = pub.await(Packet.PUBCOMP, 5000);
        assertThat(pubcomp.packetId()).isEqualTo(7);
        assertThat(pubcomp.body().length == 2 || pubcomp.body()[2] == 0)
            .as("PUBCOMP success")
            .isTrue();
      }
      Mqtt5Publishes[] subIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient sub = persistent(after.port, "q2-sub", token, subIn);
      assertThat(drain(subIn[0], 1500)).containsExactly("once");
      sub.disconnect();
    }
  }

  /**
   * Verifies that the will of a persistent session whose connection dropped is published when its
   * will delay passes, though the node was killed (kill -9) before that and started again.
   */
  @Test
  void delayedWillSurvivesKillMinus9() throws Exception {
    Path dir = BrokerFixture.tempDir();
    Node node = Node.start(dir);
    String token;
    try {
      token = token(dir, "dying"); // the node made its signing key in dir
      try (RawMqttClient dying = RawMqttClient.open(node.port())) {
        connectPersistent(dying, "dying-1", token, will("dying-1", "gone", 3));
      } // the socket closes without DISCONNECT: the will is due in 3 s
      Thread.sleep(500); // the broker notices the close and journals the will timer
      node.kill();
    } finally {
      node.kill();
    }
    try (BrokerFixture after = BrokerFixture.start(durable(dir), dir)) {
      WillWatcher watcher = WillWatcher.on(after, "will-watch", token);
      Mqtt5Publishes in = watcher.wills();
      Optional<Mqtt5Publish> will = in.receive(8, TimeUnit.SECONDS);
      assertThat(will).isPresent();
      assertThat(will.get().getTopic().toString()).isEqualTo("wills/dying-1");
      assertThat(new String(will.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
          .isEqualTo("gone");
      assertThat(in.receive(1, TimeUnit.SECONDS)).isEmpty(); // once
      watcher.client().disconnect();
    }
  }

  /**
   * Verifies that the will of a persistent session's connection that is live when the node is
   * killed (kill -9 closes it without DISCONNECT, §3.1.2.5) is published after the node starts
   * again, and that a graceful stop publishes none (connections closed with 0x8B, no will).
   */
  @Test
  void willOfLiveConnectionPublishedAfterKillMinus9() throws Exception {
    Path dir = BrokerFixture.tempDir();
    Node node = Node.start(dir);
    String token;
    try {
      token = token(dir, "live"); // the node made its signing key in dir
      Mqtt5Publishes[] watchIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient watcher = persistent(node.port(), "live-watch", token, watchIn);
      watcher.subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE).send();
      watcher.disconnect();
      try (RawMqttClient live = RawMqttClient.open(node.port());
          RawMqttClient calm = RawMqttClient.open(node.port())) {
        connectPersistent(live, "live-1", token, will("live-1", "crashed", 0));
        // a connection that ends normally leaves no will behind
        connectPersistent(calm, "calm-1", token, will("calm-1", "never", 0));
        calm.send(RawMqttClient.disconnect());
        Thread.sleep(500); // the journal has both
        node.kill(); // live-1 is still connected
      }
    } finally {
      node.kill();
    }
    BrokerFixture after = BrokerFixture.start(durable(dir), dir);
    RawMqttClient live = RawMqttClient.open(after.port);
    try {
      Mqtt5Publishes[] watchIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient watcher = persistent(after.port, "live-watch", token, watchIn);
      assertThat(drain(watchIn[0], 2000)).containsExactly("crashed");
      watcher.disconnect();
      // live-1 comes back and stays connected through a graceful stop: no will then
      connectPersistent(live, "live-1", token, will("live-1", "crashed", 0));
      Thread.sleep(300);
    } finally {
      after.close(); // DISCONNECT 0x8B to live-1, no will
      live.close();
    }
    try (BrokerFixture again = BrokerFixture.start(durable(dir), dir)) {
      Mqtt5Publishes[] watchIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient watcher = persistent(again.port, "live-watch", token, watchIn);
      assertThat(drain(watchIn[0], 2000)).isEmpty();
      watcher.disconnect();
    }
  }

  /**
   * Verifies that a delayed will restored after a restart is not published when its client comes
   * back before the delay passed (§3.1.3.2.2), and that the cancellation is itself durable.
   */
  @Test
  void restoredWillCancelledByReturn() throws Exception {
    Path dir = BrokerFixture.tempDir();
    String token;
    try (BrokerFixture first = BrokerFixture.start(durable(dir), dir)) {
      token = first.appToken("back", "acme");
      try (RawMqttClient c = RawMqttClient.open(first.port)) {
        connectPersistent(c, "back-1", token, will("back-1", "gone", 3));
      }
      Thread.sleep(300);
    }
    try (BrokerFixture second = BrokerFixture.start(durable(dir), dir)) {
      WillWatcher watcher = WillWatcher.on(second, "will-watch-2", token);
      Mqtt5Publishes in = watcher.wills();
      Mqtt5Publishes[] backIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient back = persistent(second.port, "back-1", token, backIn);
      assertThat(in.receive(4, TimeUnit.SECONDS)).isEmpty();
      back.disconnect(); // normal DISCONNECT: no will
      watcher.client().disconnect();
    }
    try (BrokerFixture third = BrokerFixture.start(durable(dir), dir)) {
      WillWatcher watcher = WillWatcher.on(third, "will-watch-3", token);
      Mqtt5Publishes in = watcher.wills();
      assertThat(in.receive(4, TimeUnit.SECONDS)).isEmpty();
      watcher.client().disconnect();
    }
  }
}
