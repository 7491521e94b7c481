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
      try (BrokerFixture keys = BrokerFixture.start(durable(BrokerFixture.tempDir()), dir)) {
        token = keys.appToken("exactly", "acme");
      }
      Mqtt5Publishes[] subIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient sub = persistent(node.port(), "q2-sub", token, subIn);
      sub.subscribeWith().topicFilter("q2/#").qos(MqttQos.EXACTLY_ONCE).send();
      sub.disconnect(); // offline: the message waits in its (durable) session
      try (RawMqttClient pub = RawMqttClient.open(node.port())) {
        pub.send(RawMqttClient.connect(true, "q2-pub", false, 60, "", token, null, 300));
        assertThat(pub.await(Packet.CONNACK, 5000).body()[1]).isZero();
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
        pub.send(RawMqttClient.connect(true, "q2-pub", false, 60, "", token, null, 300));
        Packet connack = pub.await(Packet.CONNACK, 5000);
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
      try (BrokerFixture keys = BrokerFixture.start(durable(BrokerFixture.tempDir()), dir)) {
        token = keys.appToken("dying", "acme");
      }
      try (RawMqttClient dying = RawMqttClient.open(node.port())) {
        dying.send(
            RawMqttClient.connect(
                true,
                "dying-1",
                false,
                60,
                "",
                token,
                new Will("wills/dying-1", "gone".getBytes(StandardCharsets.UTF_8), 1, 3),
                300));
        assertThat(dying.await(Packet.CONNACK, 5000).body()[1]).isZero();
      } // the socket closes without DISCONNECT: the will is due in 3 s
      Thread.sleep(500); // the broker notices the close and journals the will timer
      node.kill();
    } finally {
      node.kill();
    }
    try (BrokerFixture after = BrokerFixture.start(durable(dir), dir)) {
      Mqtt5BlockingClient watcher = after.connectV5("will-watch", "", token);
      Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
      watcher.subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE).send();
      Optional<Mqtt5Publish> will = in.receive(8, TimeUnit.SECONDS);
      assertThat(will).isPresent();
      assertThat(will.get().getTopic().toString()).isEqualTo("wills/dying-1");
      assertThat(new String(will.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
          .isEqualTo("gone");
      assertThat(in.receive(1, TimeUnit.SECONDS)).isEmpty(); // once
      watcher.disconnect();
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
      try (BrokerFixture keys = BrokerFixture.start(durable(BrokerFixture.tempDir()), dir)) {
        token = keys.appToken("live", "acme");
      }
      Mqtt5Publishes[] watchIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient watcher = persistent(node.port(), "live-watch", token, watchIn);
      watcher.subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE).send();
      watcher.disconnect();
      try (RawMqttClient live = RawMqttClient.open(node.port());
          RawMqttClient calm = RawMqttClient.open(node.port())) {
        live.send(
            RawMqttClient.connect(
                true,
                "live-1",
                false,
                60,
                "",
                token,
                new Will("wills/live-1", "crashed".getBytes(StandardCharsets.UTF_8), 1, 0),
                300));
        assertThat(live.await(Packet.CONNACK, 5000).body()[1]).isZero();
        // a connection that ends normally leaves no will behind
        calm.send(
            RawMqttClient.connect(
                true,
                "calm-1",
                false,
                60,
                "",
                token,
                new Will("wills/calm-1", "never".getBytes(StandardCharsets.UTF_8), 1, 0),
                300));
        assertThat(calm.await(Packet.CONNACK, 5000).body()[1]).isZero();
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
      live.send(
          RawMqttClient.connect(
              true,
              "live-1",
              false,
              60,
              "",
              token,
              new Will("wills/live-1", "crashed".getBytes(StandardCharsets.UTF_8), 1, 0),
              300));
      assertThat(live.await(Packet.CONNACK, 5000).body()[1]).isZero();
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
        c.send(
            RawMqttClient.connect(
                true,
                "back-1",
                false,
                60,
                "",
                token,
                new Will("wills/back-1", "gone".getBytes(StandardCharsets.UTF_8), 1, 3),
                300));
        assertThat(c.await(Packet.CONNACK, 5000).body()[1]).isZero();
      }
      Thread.sleep(300);
    }
    try (BrokerFixture second = BrokerFixture.start(durable(dir), dir)) {
      Mqtt5BlockingClient watcher = second.connectV5("will-watch-2", "", token);
      Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
      watcher.subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE).send();
      Mqtt5Publishes[] backIn = new Mqtt5Publishes[1];
      Mqtt5BlockingClient back = persistent(second.port, "back-1", token, backIn);
      assertThat(in.receive(4, TimeUnit.SECONDS)).isEmpty();
      back.disconnect(); // normal DISCONNECT: no will
      watcher.disconnect();
    }
    try (BrokerFixture third = BrokerFixture.start(durable(dir), dir)) {
      Mqtt5BlockingClient watcher = third.connectV5("will-watch-3", "", token);
      Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
      watcher.subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE).send();
      assertThat(in.receive(4, TimeUnit.SECONDS)).isEmpty();
      watcher.disconnect();
    }
  }
}
