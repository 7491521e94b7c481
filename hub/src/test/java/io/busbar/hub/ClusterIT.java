package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three nodes in separate JVMs joined with {@code --cluster}, shared by the tests in order: the
 * last two kill node c ({@code kill -9}) and stop node b (SIGTERM).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Path dir;
  static Path keys;
  static String clusterName;
  static NodeProcess a;
  static NodeProcess b;
  static NodeProcess c;

  @BeforeAll
  static void startNodes() throws Exception {
    dir = Files.createTempDirectory("cluster-it");
    keys = dir.resolve("keys");
    clusterName = "it-" + ProcessHandle.current().pid();
    String[] args = {
      "--cluster", "--config", TestClients.clusterConfig(dir, clusterName).toString()
    };
    a = NodeProcess.start("a", dir.resolve("a"), args);
    b = NodeProcess.start("b", dir.resolve("b"), args);
    c = NodeProcess.start("c", dir.resolve("c"), args);
  }

  @AfterAll
  static void stopNodes() throws Exception {
    for (NodeProcess n : new NodeProcess[] {a, b, c}) {
      if (n != null) {
        n.close();
        Files.writeString(Path.of("target", "cluster-it-" + n.nodeId + ".log"), n.output());
      }
    }
  }

  static String get(int port, String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The sum of a Prometheus counter's samples on a node. */
  static double metric(NodeProcess node, String name) throws Exception {
    Matcher m =
        Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
            .matcher(get(node.httpPort, "/metrics"));
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(2));
    }
    return sum;
  }

  static Mqtt5BlockingClient client(NodeProcess node, String id) {
    return TestClients.connect(node.mqttPort, id, TestClients.mint(keys, id, "app"));
  }

  static void publish(Mqtt5BlockingClient client, String topic, String payload, boolean retain) {
    client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(retain)
        .payload(payload.getBytes(StandardCharsets.UTF_8))
        .send();
  }

  static String text(Mqtt5Publish p) {
    return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
  }

  /** Waits until every node knows the routes of the others (announcements travel async). */
  static void settle() throws InterruptedException {
    Thread.sleep(500);
  }

  /**
   * Verifies that a subscriber on node a receives at QoS 1 what publishers on nodes b and c
   * publish, and that each message crosses once, only to the node with subscribers (never
   * broadcast).
   */
  @Test
  @Order(1)
  void crossNodeDelivery() throws Exception {
    Mqtt5BlockingClient sub = client(a, "sub-x");
    try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
      sub.subscribeWith().topicFilter("plant/x/#").qos(MqttQos.AT_LEAST_ONCE).send();
      settle();
      double forwardedB = metric(b, "busbar_mqtt_cluster_forwarded_total");
      Mqtt5BlockingClient pubB = client(b, "pub-b");
      Mqtt5BlockingClient pubC = client(c, "pub-c");
      for (int i = 0; i < 20; i++) {
        publish(pubB, "plant/x/b", "b" + i, false);
        publish(pubC, "plant/x/c", "c" + i, false);
      }
      Set<String> got = new HashSet<>();
      for (int i = 0; i < 40; i++) {
        Optional<Mqtt5Publish> p = in.receive(10, TimeUnit.SECONDS);
        assertThat(p).as("message %d of 40, got %s", i, got).isPresent();
        assertThat(p.get().getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
        got.add(text(p.get()));
      }
      assertThat(got).hasSize(40).contains("b0", "b19", "c0", "c19");
      assertThat(metric(b, "busbar_mqtt_cluster_forwarded_total") - forwardedB)
          .as("node b forwards each message once, to node a only")
          .isEqualTo(20.0);
      pubB.disconnect();
      pubC.disconnect();
    } finally {
      sub.disconnect();
    }
  }

  /**
   * Verifies that a retained message set on one node is read by a subscriber on another right after
   * the PUBACK, and that a later value set on a third node replaces it everywhere.
   */
  @Test
  @Order(2)
  void retainedAcrossNodes() throws Exception {
    Mqtt5BlockingClient pubB = client(b, "ret-b");
    publish(pubB, "plant/retained/1", "first", true);
    Mqtt5BlockingClient subC = client(c, "ret-sub-c");
    try (Mqtt5BlockingClient.Mqtt5Publishes in = subC.publishes(MqttGlobalPublishFilter.ALL)) {
      subC.subscribeWith().topicFilter("plant/retained/1").qos(MqttQos.AT_LEAST_ONCE).send();
      Optional<Mqtt5Publish> p = in.receive(5, TimeUnit.SECONDS);
      assertThat(p).isPresent();
      assertThat(text(p.get())).isEqualTo("first");
      assertThat(p.get().isRetain()).isTrue();
    }
    subC.disconnect();
    Mqtt5BlockingClient pubC = client(c, "ret-c");
    publish(pubC, "plant/retained/1", "second", true);
    Mqtt5BlockingClient subA = client(a, "ret-sub-a");
    try (Mqtt5BlockingClient.Mqtt5Publishes in = subA.publishes(MqttGlobalPublishFilter.ALL)) {
      subA.subscribeWith().topicFilter("plant/retained/#").qos(MqttQos.AT_LEAST_ONCE).send();
      Optional<Mqtt5Publish> p = in.receive(5, TimeUnit.SECONDS);
      assertThat(p).isPresent();
      assertThat(text(p.get())).isEqualTo("second");
      assertThat(in.receive(500, TimeUnit.MILLISECONDS)).as("one retained message").isEmpty();
    }
    subA.disconnect();
    pubB.disconnect();
    pubC.disconnect();
  }

  /**
   * Verifies that a client connecting to node b with the id of a client connected to node a takes
   * it over: the old connection is closed with DISCONNECT 0x8E, the persistent session moves to b
   * (session present = 1, its subscription still delivers) .
   */
  @Test
  @Order(3)
  void takeoverAcrossNodes() throws Exception {
    String id = "mover";
    String token = TestClients.mint(keys, id, "app");
    AtomicReference<Throwable> oldCause = new AtomicReference<>();
    Mqtt5BlockingClient first =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(a.mqttPort)
            .addDisconnectedListener(ctx -> oldCause.compareAndSet(null, ctx.getCause()))
            .buildBlocking();
    first
        .connectWith()
        .cleanStart(true)
        .sessionExpiryInterval(300)
        .simpleAuth()
        .username(id)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    first.subscribeWith().topicFilter("plant/move/#").qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt5BlockingClient second =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(b.mqttPort)
            .buildBlocking();
    try (Mqtt5BlockingClient.Mqtt5Publishes in = second.publishes(MqttGlobalPublishFilter.ALL)) {
      Mqtt5ConnAck ack =
          second
              .connectWith()
              .cleanStart(false)
              .sessionExpiryInterval(300)
              .simpleAuth()
              .username(id)
              .password(token.getBytes(StandardCharsets.UTF_8))
              .applySimpleAuth()
              .send();
      assertThat(ack.isSessionPresent()).as("the session moved from a to b").isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (oldCause.get() == null && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(oldCause.get()).isInstanceOf(Mqtt5DisconnectException.class);
      assertThat(((Mqtt5DisconnectException) oldCause.get()).getMqttMessage().getReasonCode())
          .isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER);
      settle();
      Mqtt5BlockingClient pub = client(c, "move-pub");
      publish(pub, "plant/move/1", "moved", false);
      Optional<Mqtt5Publish> p = in.receive(5, TimeUnit.SECONDS);
      assertThat(p).as("the subscription moved with the session").isPresent();
      assertThat(text(p.get())).isEqualTo("moved");
      pub.disconnect();
    } finally {
      second.disconnect();
    }
  }

  /**
   * Verifies that a reading published to node b reaches every node's live state but is stored once,
   * by node b that received it.
   */
  @Test
  @Order(4)
  void eventsStoredOnceLiveEverywhere() throws Exception {
    double[] before = {
      metric(a, "busbar_storage_events_written_total"),
      metric(b, "busbar_storage_events_written_total"),
      metric(c, "busbar_storage_events_written_total")
    };
    Mqtt5BlockingClient dev = TestClients.connect(b.mqttPort, "d1", TestClients.mint(keys, "d1"));
    publish(dev, "devices/d1/telemetry", "{\"metrics\":{\"temperature\":42.5}}", false);
    dev.disconnect();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String state = "";
    while (System.nanoTime() < deadline && !state.contains("42.5")) {
      state = get(c.httpPort, "/api/v1/state");
      Thread.sleep(100);
    }
    assertThat(state).as("node c's live state").contains("\"d1\"").contains("42.5");
    assertThat(get(a.httpPort, "/api/v1/state")).contains("42.5");
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline
        && metric(b, "busbar_storage_events_written_total") == before[1]) {
      Thread.sleep(200);
    }
    Thread.sleep(1_500); // time for a wrong second copy to be written elsewhere
    assertThat(metric(b, "busbar_storage_events_written_total") - before[1]).isEqualTo(1.0);
    assertThat(metric(a, "busbar_storage_events_written_total")).isEqualTo(before[0]);
    assertThat(metric(c, "busbar_storage_events_written_total")).isEqualTo(before[2]);
    JsonObject cluster = new JsonObject(get(a.httpPort, "/api/v1/cluster"));
    assertThat(cluster.getString("cluster")).isEqualTo(clusterName);
    assertThat(
            cluster.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("node")))
        .containsExactlyInAnyOrder("a", "b", "c");
  }

  /**
   * A persistent MQTT 5 client (clean start false, session expiry 300 s) handing PUBLISHes to
   * {@code seen}.
   */
  static Mqtt5AsyncClient persistent(NodeProcess node, String id, Set<Integer> seen) {
    Mqtt5AsyncClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort)
            .buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, p -> seen.add(Integer.parseInt(text(p))));
    return client;
  }

  static Mqtt5ConnAck connectPersistent(Mqtt5AsyncClient client, String id) throws Exception {
    return client
        .connectWith()
        .cleanStart(false)
        .sessionExpiryInterval(300)
        .simpleAuth()
        .username(id)
        .password(TestClients.mint(keys, id, "app").getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .get(30, TimeUnit.SECONDS);
  }

  /**
   * Verifies that when node c is killed ({@code kill -9}) during a steady QoS 1 stream published on
   * node a, a persistent QoS 1 subscriber of c that reconnects to node b resumes its session
   * (session present) and, counting by sequence number, receives every message whose publisher got
   * a PUBACK; and that a surviving node publishes the will of a client that was connected to c.
   */
  @Test
  @Order(5)
  void killedNodesSessionsAndWillsSurvive() throws Exception {
    Mqtt5BlockingClient watcher = client(a, "watcher");
    try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
      watcher.subscribeWith().topicFilter("plant/status/#").qos(MqttQos.AT_LEAST_ONCE).send();
      String id = "doomed";
      Mqtt5BlockingClient doomed =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier(id)
              .serverHost("127.0.0.1")
              .serverPort(c.mqttPort)
              .buildBlocking();
      doomed
          .connectWith()
          .willPublish()
          .topic("plant/status/" + id)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload("offline".getBytes(StandardCharsets.UTF_8))
          .applyWillPublish()
          .simpleAuth()
          .username(id)
          .password(TestClients.mint(keys, id, "app").getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth()
          .send();

      Set<Integer> seen = ConcurrentHashMap.newKeySet();
      Mqtt5AsyncClient durable = persistent(c, "durable", seen);
      connectPersistent(durable, "durable");
      durable
          .subscribeWith()
          .topicFilter("line/kill/seq")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .get(10, TimeUnit.SECONDS);
      settle();

      Mqtt5AsyncClient pub = client(a, "kill-pub").toAsync();
      Set<Integer> acked = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<?>> pending = new ArrayList<>();
      long t0 = System.nanoTime();
      int sent = 0;
      boolean killed = false;
      while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8)) {
        int seq = sent++;
        pending.add(
            pub.publishWith()
                .topic("line/kill/seq")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(Integer.toString(seq).getBytes(StandardCharsets.UTF_8))
                .send()
                .thenAccept(
                    r -> {
                      if (r.getError().isEmpty()) {
                        acked.add(seq);
                      }
                    }));
        if (!killed && System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(3)) {
          c.kill();
          killed = true;
        }
        Thread.sleep(25); // 40 msg/s
      }
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .exceptionally(e -> null)
          .get(60, TimeUnit.SECONDS);

      Optional<Mqtt5Publish> will = in.receive(30, TimeUnit.SECONDS);
      assertThat(will).as("the will of a client of the killed node").isPresent();
      assertThat(will.get().getTopic().toString()).isEqualTo("plant/status/" + id);
      assertThat(text(will.get())).isEqualTo("offline");

      Mqtt5AsyncClient resumed = persistent(b, "durable", seen);
      Mqtt5ConnAck connAck = connectPersistent(resumed, "durable");
      assertThat(connAck.isSessionPresent()).as("session present on node b").isTrue();
      long deadline = System.currentTimeMillis() + 30_000;
      while (!seen.containsAll(acked) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      Set<Integer> lost = new TreeSet<>(acked);
      lost.removeAll(seen);
      System.out.printf(
          "kill test: sent %d, acknowledged %d, received %d distinct, lost %d %s%n",
          sent, acked.size(), seen.size(), lost.size(), lost);
      assertThat(acked.size()).as("most messages acknowledged").isGreaterThan(sent * 8 / 10);
      assertThat(lost).as("acknowledged messages not received").isEmpty();
      assertThat(
              metric(a, "busbar_mqtt_cluster_sessions_adopted_total")
                  + metric(b, "busbar_mqtt_cluster_sessions_adopted_total"))
          .as("the session was rebuilt from its replica")
          .isGreaterThanOrEqualTo(1);

      // a and b still route to each other, also to the session moved to b
      Mqtt5BlockingClient after = client(b, "after-kill");
      publish(after, "plant/status/alive", "yes", false);
      after.disconnect();
      Optional<Mqtt5Publish> p = in.receive(5, TimeUnit.SECONDS);
      assertThat(p).isPresent();
      assertThat(text(p.get())).isEqualTo("yes");
      pub.disconnect();
      resumed.disconnectWith().sessionExpiryInterval(0).send().get(10, TimeUnit.SECONDS);
    } finally {
      watcher.disconnect();
    }
  }

  /** Verifies that node b leaves gracefully on SIGTERM and node a stays healthy. */
  @Test
  @Order(6)
  void gracefulLeave() throws Exception {
    assertThat(b.terminate()).as(b.output()).isEqualTo(143);
    assertThat(b.output()).contains("stopped cleanly");
    assertThat(get(a.httpPort, "/health")).contains("UP");
  }
}
