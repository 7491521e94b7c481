package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Retained messages on disk: they survive a restart, a torn journal tail and a kill -9. */
@Timeout(60)
class MqttDurabilityTest {

  private static MqttConfig durable(Path dir) {
    return new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
        .withDataDir(dir);
  }

  private static Map<String, String> retainedAfterSubscribe(int port, String token)
      throws Exception {
    Mqtt5BlockingClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(BrokerFixture.uniqueId("reader"))
            .serverHost("127.0.0.1")
            .serverPort(port)
            .buildBlocking();
    Mqtt5Publishes in = c.publishes(MqttGlobalPublishFilter.ALL);
    c.connectWith().simpleAuth().username("").password(token.getBytes()).applySimpleAuth().send();
    c.subscribeWith().topicFilter("state/#").send();
    Map<String, String> seen = new HashMap<>();
    Optional<Mqtt5Publish> p;
    while ((p = in.receive(700, TimeUnit.MILLISECONDS)).isPresent()) {
      assertThat(p.get().isRetain()).isTrue();
      seen.put(
          p.get().getTopic().toString(),
          new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
      if (p.get().getTopic().toString().equals("state/line1")) {
        assertThat(p.get().getContentType().orElseThrow().toString()).isEqualTo("text/plain");
        assertThat(p.get().getUserProperties().asList()).hasSize(1);
      }
    }
    c.disconnect();
    return seen;
  }

  private static void publishRetained(Mqtt5BlockingClient pub) {
    pub.publishWith()
        .topic("state/line1")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .contentType("text/plain")
        .userProperties()
        .add("unit", "none")
        .applyUserProperties()
        .payload("RUNNING".getBytes())
        .send();
    pub.publishWith()
        .topic("state/line2")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("IDLE".getBytes())
        .send();
    pub.publishWith()
        .topic("state/line2")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("STOPPED".getBytes())
        .send();
    pub.publishWith()
        .topic("state/line3")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("X".getBytes())
        .send();
    pub.publishWith()
        .topic("state/line3")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(new byte[0])
        .send();
  }

  /**
   * Verifies that acknowledged retained messages (set, replaced, cleared, with properties) are
   * there after the broker is stopped and started again on the same data directory, and after a
   * torn record is appended to the journal.
   */
  @Test
  void survivesRestartAndTornTail() throws Exception {
    Path dir = BrokerFixture.tempDir();
    String token;
    try (BrokerFixture first = BrokerFixture.start(durable(dir), dir)) {
      token = first.appToken("keeper", "acme");
      Mqtt5BlockingClient pub = first.connectV5("keeper-1", "", token);
      publishRetained(pub);
      pub.disconnect();
    }
    try (BrokerFixture second = BrokerFixture.start(durable(dir), dir)) {
      assertThat(retainedAfterSubscribe(second.port, token))
          .containsOnly(Map.entry("state/line1", "RUNNING"), Map.entry("state/line2", "STOPPED"));
    }
    // a crash mid-write leaves a partial record: length and CRC but only part of the body
    Files.write(
        dir.resolve("mqtt").resolve("retained.log"),
        new byte[] {0, 0, 0, 50, 1, 2, 3, 4, 9, 9},
        StandardOpenOption.APPEND);
    try (BrokerFixture third = BrokerFixture.start(durable(dir), dir)) {
      assertThat(retainedAfterSubscribe(third.port, token)).hasSize(2);
    }
  }

  /**
   * Verifies that retained messages and messages queued for an offline persistent session whose
   * PUBACK the publisher got survive a kill -9 of the broker process (a separate JVM).
   */
  @Test
  void survivesKillMinus9() throws Exception {
    Path dir = BrokerFixture.tempDir();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process node =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                DurableNodeMain.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("PORT ")) {
          port = Integer.parseInt(line.substring(5).trim());
          break;
        }
      }
      assertThat(port).isPositive();
      Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
      drain.setDaemon(true);
      drain.start();
      try (BrokerFixture keys =
          BrokerFixture.start(
              new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false), dir)) {
        String token = keys.appToken("crash", "acme");
        Mqtt5Publishes[] subIn = new Mqtt5Publishes[1];
        Mqtt5BlockingClient offline =
            persistentClient(port, "crash-sub", token, subIn, new boolean[1]);
        offline.subscribeWith().topicFilter("orders/#").qos(MqttQos.AT_LEAST_ONCE).send();
        offline.disconnect();
        Mqtt5BlockingClient pub =
            MqttClient.builder()
                .useMqttVersion5()
                .identifier("crash-pub")
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        pub.connectWith()
            .simpleAuth()
            .username("")
            .password(token.getBytes())
            .applySimpleAuth()
            .send();
        publishRetained(pub); // every PUBACK received
        for (int i = 1; i <= 3; i++) {
          pub.publishWith()
              .topic("orders/" + i)
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(("o" + i).getBytes())
              .send();
        }
        node.destroyForcibly(); // SIGKILL: no shutdown hooks, no flush
        node.waitFor(10, TimeUnit.SECONDS);
      }
      try (BrokerFixture after = BrokerFixture.start(durable(dir), dir)) {
        String token = after.appToken("reader", "acme");
        assertThat(retainedAfterSubscribe(after.port, token))
            .containsOnly(Map.entry("state/line1", "RUNNING"), Map.entry("state/line2", "STOPPED"));
        Mqtt5Publishes[] subIn = new Mqtt5Publishes[1];
        boolean[] present = new boolean[1];
        Mqtt5BlockingClient back =
            persistentClient(
                after.port, "crash-sub", after.appToken("crash", "acme"), subIn, present);
        assertThat(present[0]).isTrue();
        java.util.List<String> got = new java.util.ArrayList<>();
        Optional<Mqtt5Publish> p;
        while ((p = subIn[0].receive(1, TimeUnit.SECONDS)).isPresent()) {
          got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
          p.get().acknowledge();
        }
        assertThat(got).containsExactly("o1", "o2", "o3");
        back.disconnect();
      }
    } finally {
      node.destroyForcibly();
    }
  }

  private static Mqtt5BlockingClient persistentClient(
      int port, String id, String token, Mqtt5Publishes[] publishes, boolean[] sessionPresent) {
    Mqtt5BlockingClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(port)
            .buildBlocking();
    publishes[0] = c.publishes(MqttGlobalPublishFilter.ALL, true);
    sessionPresent[0] =
        c.connectWith()
            .cleanStart(false)
            .sessionExpiryInterval(300)
            .simpleAuth()
            .username("")
            .password(token.getBytes())
            .applySimpleAuth()
            .send()
            .isSessionPresent();
    return c;
  }

  /**
   * Verifies that a persistent session survives a broker restart: its subscription still routes,
   * messages queued while it was away (acknowledged to the publisher) and one it had received but
   * not acknowledged are delivered after the restart, and acknowledged ones are not.
   */
  @Test
  void persistentSessionSurvivesRestart() throws Exception {
    Path dir = BrokerFixture.tempDir();
    String token;
    Mqtt5Publishes[] in = new Mqtt5Publishes[1];
    boolean[] present = new boolean[1];
    try (BrokerFixture first = BrokerFixture.start(durable(dir), dir)) {
      token = first.appToken("worker", "acme");
      Mqtt5BlockingClient sub = persistentClient(first.port, "worker-1", token, in, present);
      assertThat(present[0]).isFalse();
      sub.subscribeWith().topicFilter("jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
      Mqtt5BlockingClient pub = first.connectV5("boss-1", "", token);
      pub.publishWith()
          .topic("jobs/0")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload("acked".getBytes())
          .send();
      pub.publishWith()
          .topic("jobs/1")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload("unacked".getBytes())
          .send();
      Mqtt5Publish acked = in[0].receive(5, TimeUnit.SECONDS).orElseThrow();
      assertThat(new String(acked.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("acked");
      acked.acknowledge();
      assertThat(in[0].receive(5, TimeUnit.SECONDS)).isPresent(); // "unacked": never acknowledged
      Thread.sleep(200); // let the PUBACK of "acked" reach the broker
      sub.disconnect();
      pub.publishWith()
          .topic("jobs/2")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload("queued".getBytes())
          .send();
      pub.disconnect();
    }
    try (BrokerFixture second = BrokerFixture.start(durable(dir), dir)) {
      Mqtt5BlockingClient sub = persistentClient(second.port, "worker-1", token, in, present);
      assertThat(present[0]).as("session present after restart").isTrue();
      java.util.List<String> got = new java.util.ArrayList<>();
      Optional<Mqtt5Publish> p;
      while ((p = in[0].receive(1, TimeUnit.SECONDS)).isPresent()) {
        got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
        p.get().acknowledge();
      }
      assertThat(got).containsExactly("unacked", "queued");
      Mqtt5BlockingClient pub = second.connectV5("boss-2", "", token);
      pub.publishWith()
          .topic("jobs/3")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload("live".getBytes())
          .send();
      Mqtt5Publish live = in[0].receive(5, TimeUnit.SECONDS).orElseThrow();
      assertThat(new String(live.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("live");
      live.acknowledge();
      pub.disconnect();
      sub.disconnect();
    }
  }
}
