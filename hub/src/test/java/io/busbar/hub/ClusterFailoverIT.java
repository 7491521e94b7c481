package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * What a persistent session keeps when its node is killed ({@code kill -9}) beyond its messages:
 * its incoming QoS 2 exchanges and its delayed wills. Four nodes in separate JVMs joined with
 * {@code --cluster}, shared by the tests: each kills a node of its own (c, then d); a, the oldest,
 * adopts their sessions, and clients come back on b.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverIT {

  static Path dir;
  static Path keys;
  static NodeProcess a;
  static NodeProcess b;
  static NodeProcess c;
  static NodeProcess d;

  @BeforeAll
  static void startNodes() throws Exception {
    dir = Files.createTempDirectory("cluster-failover-it");
    keys = dir.resolve("keys");
    String[] args = {
      "--cluster",
      "--config",
      TestClients.clusterConfig(dir, "failover-" + ProcessHandle.current().pid()).toString()
    };
    a = NodeProcess.start("a", dir.resolve("a"), args);
    b = NodeProcess.start("b", dir.resolve("b"), args);
    c = NodeProcess.start("c", dir.resolve("c"), args);
    d = NodeProcess.start("d", dir.resolve("d"), args);
  }

  @AfterAll
  static void stopNodes() throws Exception {
    for (NodeProcess n : new NodeProcess[] {a, b, c, d}) {
      if (n != null) {
        n.close();
        Files.writeString(
            Path.of("target", "cluster-failover-it-" + n.nodeId + ".log"), n.output());
      }
    }
  }

  static String token(String id) {
    return TestClients.mint(keys, id, "app");
  }

  static String text(byte[] payload) {
    return new String(payload, StandardCharsets.UTF_8);
  }

  /**
   * Verifies that a QoS 2 PUBLISH whose PUBREC came from node c before c was killed is not routed a
   * second time when its client resumes the session on node b and resends it with DUP: b answers
   * PUBREC without routing, and PUBREL with PUBCOMP (success, not 0x92 packet id not found); a
   * packet id released on c before the kill is free again on b (its next PUBLISH is routed).
   */
  @Test
  @Order(1)
  void qos2ResentAfterKillIsNotRoutedTwice() throws Exception {
    List<String> got = new ArrayList<>();
    Mqtt5AsyncClient sub =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("q2-sub")
            .serverHost("127.0.0.1")
            .serverPort(a.mqttPort)
            .buildAsync();
    sub.publishes(
        MqttGlobalPublishFilter.ALL,
        p -> {
          synchronized (got) {
            got.add(text(p.getPayloadAsBytes()));
            got.notifyAll();
          }
        });
    sub.connectWith()
        .simpleAuth()
        .username("q2-sub")
        .password(token("q2-sub").getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .get(10, TimeUnit.SECONDS);
    sub.subscribeWith()
        .topicFilter("line/q2/#")
        .qos(MqttQos.EXACTLY_ONCE)
        .send()
        .get(10, TimeUnit.SECONDS);
    Thread.sleep(500); // the route reaches the other nodes

    String id = "q2-pub";
    String token = token(id);
    try (Raw pub = Raw.open(c.mqttPort)) {
      pub.send(Raw.connect(id, true, 300, id, token));
      Raw.Packet connack = pub.await(Raw.CONNACK, 10_000);
      assertThat(connack.reasonCode()).isZero();
      pub.send(Raw.publish("line/q2/x", 7, false, "first"));
      assertThat(pub.await(Raw.PUBREC, 10_000).packetId()).isEqualTo(7);
      // no PUBREL for 7: the exchange is open when c dies
      pub.send(Raw.publish("line/q2/x", 8, false, "second"));
      assertThat(pub.await(Raw.PUBREC, 10_000).packetId()).isEqualTo(8);
      pub.send(Raw.ack(0x62, 8)); // PUBREL
      Raw.Packet comp = pub.await(Raw.PUBCOMP, 10_000);
      assertThat(comp.packetId()).isEqualTo(8);
      assertThat(comp.reasonCode()).isZero();
    }
    awaitMessages(got, 2);
    c.kill();

    try (Raw pub = Raw.open(b.mqttPort)) {
      // answered once node c is declared dead and the session is rebuilt from its replica
      pub.send(Raw.connect(id, false, 300, id, token));
      Raw.Packet connack = pub.await(Raw.CONNACK, 60_000);
      assertThat(connack).as("CONNACK from node b").isNotNull();
      assertThat(connack.reasonCode()).isZero();
      assertThat(connack.sessionPresent()).as("session present on node b").isTrue();

      pub.send(Raw.publish("line/q2/x", 7, true, "first")); // the resend, DUP set
      Raw.Packet rec = pub.await(Raw.PUBREC, 30_000);
      assertThat(rec.packetId()).isEqualTo(7);
      assertThat(rec.reasonCode()).isZero();
      pub.send(Raw.publish("line/q2/x", 8, false, "third")); // 8 was released: a new message
      rec = pub.await(Raw.PUBREC, 30_000);
      assertThat(rec.packetId()).isEqualTo(8);
      assertThat(rec.reasonCode()).isZero();
      pub.send(Raw.ack(0x62, 7));
      Raw.Packet comp = pub.await(Raw.PUBCOMP, 10_000);
      assertThat(comp.packetId()).isEqualTo(7);
      assertThat(comp.reasonCode()).as("PUBCOMP reason for the replicated id").isZero();
      pub.send(Raw.ack(0x62, 8));
      comp = pub.await(Raw.PUBCOMP, 10_000);
      assertThat(comp.packetId()).isEqualTo(8);
      assertThat(comp.reasonCode()).isZero();
      pub.send(Raw.disconnectWithExpiry(0));
    }
    // "third" is routed after the resend of "first" on the same connection: a second "first"
    // would arrive before it
    awaitMessages(got, 3);
    Thread.sleep(500);
    synchronized (got) {
      assertThat(got).containsExactly("first", "second", "third");
    }
    sub.disconnect().get(10, TimeUnit.SECONDS);
  }

  static void awaitMessages(List<String> got, int count) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    synchronized (got) {
      while (got.size() < count && System.currentTimeMillis() < deadline) {
        got.wait(Math.max(1, deadline - System.currentTimeMillis()));
      }
      assertThat(got).as("messages received").hasSizeGreaterThanOrEqualTo(count);
    }
  }

  /** A will received by the watcher, with the time it arrived. */
  record Arrival(String topic, long atMillis) {}

  static Mqtt5BlockingClient withWill(
      NodeProcess node, String id, int willDelaySeconds, boolean cleanStart) {
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort)
            .buildBlocking();
    Mqtt5ConnAck ack =
        client
            .connectWith()
            .cleanStart(cleanStart)
            .sessionExpiryInterval(300)
            .willPublish()
            .topic("plant/will/" + id)
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload("offline".getBytes(StandardCharsets.UTF_8))
            .delayInterval(willDelaySeconds)
            .applyWillPublish()
            .simpleAuth()
            .username(id)
            .password(token(id).getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .send();
    assertThat(ack.getReasonCode().isError()).isFalse();
    return client;
  }

  /**
   * Verifies that the wills of persistent sessions of a killed node keep their will delay (MQTT 5.0
   * §3.1.3.2.2) on the survivor that adopts the sessions: a live connection's will (delay 15 s) is
   * published no earlier than 15 s after the kill, a will already waiting on the dead node (the
   * client left with DISCONNECT 0x04) when it was due there, a will without delay at once, each
   * once; and the will of a client that comes back (on node b) within its delay is not published.
   */
  @Test
  @Order(2)
  void delayedWillsOfAKilledNodeKeepTheirDelay() throws Exception {
    BlockingQueue<Arrival> wills = new LinkedBlockingQueue<>();
    Mqtt5AsyncClient watcher =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("will-watcher")
            .serverHost("127.0.0.1")
            .serverPort(a.mqttPort)
            .buildAsync();
    watcher.publishes(
        MqttGlobalPublishFilter.ALL,
        p -> wills.add(new Arrival(p.getTopic().toString(), System.currentTimeMillis())));
    watcher
        .connectWith()
        .simpleAuth()
        .username("will-watcher")
        .password(token("will-watcher").getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .get(10, TimeUnit.SECONDS);
    watcher
        .subscribeWith()
        .topicFilter("plant/will/#")
        .qos(MqttQos.AT_LEAST_ONCE)
        .send()
        .get(10, TimeUnit.SECONDS);

    int delay = 15;
    withWill(d, "w-late", delay, true);
    withWill(d, "w-back", delay, true);
    withWill(d, "w-now", 0, true);
    Mqtt5BlockingClient gone = withWill(d, "w-gone", delay, true);
    long goneAt = System.currentTimeMillis();
    gone.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
    Thread.sleep(500); // routes and replicas settle
    assertThat(wills).as("no will before the kill").isEmpty();

    long killedAt = System.currentTimeMillis();
    d.kill();

    Mqtt5BlockingClient back = withWill(b, "w-back", delay, false);
    Map<String, List<Long>> byTopic = new HashMap<>();
    long deadline = System.currentTimeMillis() + 90_000;
    while (System.currentTimeMillis() < deadline
        && !(byTopic.containsKey("plant/will/w-late")
            && byTopic.containsKey("plant/will/w-gone")
            && byTopic.containsKey("plant/will/w-now"))) {
      Arrival w = wills.poll(1, TimeUnit.SECONDS);
      if (w != null) {
        byTopic.computeIfAbsent(w.topic(), t -> new ArrayList<>()).add(w.atMillis());
      }
    }
    // time for a second copy, or the cancelled will, to arrive: they would be due with w-late
    Thread.sleep(3_000);
    for (Arrival w; (w = wills.poll()) != null; ) {
      byTopic.computeIfAbsent(w.topic(), t -> new ArrayList<>()).add(w.atMillis());
    }
    System.out.printf(
        "delayed wills: killed at +0 ms, gone left at %+d ms; arrivals %s%n",
        goneAt - killedAt,
        byTopic.entrySet().stream()
            .map(
                e ->
                    e.getKey()
                        + "="
                        + e.getValue().stream().map(t -> "+" + (t - killedAt) + "ms").toList())
            .toList());
    assertThat(byTopic.get("plant/will/w-now")).as("the will without delay").hasSize(1);
    assertThat(byTopic.get("plant/will/w-late"))
        .as("the live connection's delayed will")
        .hasSize(1);
    assertThat(byTopic.get("plant/will/w-late").get(0))
        .as("published no earlier than its delay after the kill")
        .isGreaterThanOrEqualTo(killedAt + delay * 1000L);
    assertThat(byTopic.get("plant/will/w-gone")).as("the will waiting on the dead node").hasSize(1);
    assertThat(byTopic.get("plant/will/w-gone").get(0))
        .as("published no earlier than its delay after the client left")
        .isGreaterThanOrEqualTo(goneAt + delay * 1000L);
    assertThat(byTopic).as("the returned client's will").doesNotContainKey("plant/will/w-back");

    back.disconnectWith().sessionExpiryInterval(0).send();
    watcher.disconnect().get(10, TimeUnit.SECONDS);
  }

  /**
   * A byte-level MQTT 5 client for what real clients will not do on request: resend a QoS 2 PUBLISH
   * with DUP on a new connection, withhold PUBREL.
   */
  static final class Raw implements AutoCloseable {

    static final int CONNACK = 2;
    static final int PUBREC = 5;
    static final int PUBCOMP = 7;

    /** A packet read from the broker: fixed-header type and flags, then the rest. */
    record Packet(int type, int flags, byte[] body) {

      /** The packet id of an acknowledgement (its first two bytes). */
      int packetId() {
        return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
      }

      /** The reason code of a 5.0 acknowledgement (absent means 0) or of a CONNACK. */
      int reasonCode() {
        if (type == CONNACK) {
          return body[1] & 0xFF;
        }
        return body.length > 2 ? body[2] & 0xFF : 0;
      }

      boolean sessionPresent() {
        return (body[0] & 0x01) != 0;
      }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private Raw(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    static Raw open(int port) throws IOException {
      Socket s = new Socket("127.0.0.1", port);
      s.setTcpNoDelay(true);
      return new Raw(s);
    }

    void send(byte[] packet) throws IOException {
      out.write(packet);
      out.flush();
    }

    /** Reads packets until one of {@code type} arrives; {@code null} on timeout or close. */
    Packet await(int type, int timeoutMillis) throws IOException {
      long deadline = System.currentTimeMillis() + timeoutMillis;
      while (System.currentTimeMillis() < deadline) {
        socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
        try {
          int first = in.read();
          if (first < 0) {
            return null;
          }
          int length = 0;
          int multiplier = 1;
          int b;
          do {
            b = in.readUnsignedByte();
            length += (b & 0x7F) * multiplier;
            multiplier *= 128;
          } while ((b & 0x80) != 0);
          byte[] body = new byte[length];
          in.readFully(body);
          if (first >> 4 == type) {
            return new Packet(first >> 4, first & 0x0F, body);
          }
        } catch (SocketTimeoutException e) {
          return null;
        }
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }

    static byte[] packet(int typeAndFlags, byte[] body) {
      ByteArrayOutputStream p = new ByteArrayOutputStream();
      p.write(typeAndFlags);
      int len = body.length;
      do {
        int digit = len % 128;
        len /= 128;
        p.write(len > 0 ? digit | 0x80 : digit);
      } while (len > 0);
      p.writeBytes(body);
      return p.toByteArray();
    }

    static void string(ByteArrayOutputStream b, String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      b.write(bytes.length >> 8);
      b.write(bytes.length & 0xFF);
      b.writeBytes(bytes);
    }

    static byte[] int4(int v) {
      return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    /** A 5.0 CONNECT (§3.1) with user name, password and a session expiry interval. */
    static byte[] connect(
        String clientId, boolean cleanStart, int expirySeconds, String user, String password) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      string(b, "MQTT"); // protocol name
      b.write(5); // protocol level
      b.write(0x80 | 0x40 | (cleanStart ? 0x02 : 0)); // user name, password, clean start
      b.write(0); // keep alive MSB
      b.write(60); // keep alive LSB
      b.write(5); // property length
      b.write(0x11); // session expiry interval
      b.writeBytes(int4(expirySeconds));
      string(b, clientId);
      string(b, user);
      string(b, password);
      return packet(0x10, b.toByteArray());
    }

    /** A 5.0 QoS 2 PUBLISH (§3.3), DUP as given, no properties. */
    static byte[] publish(String topic, int packetId, boolean dup, String payload) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      string(b, topic); // topic name
      b.write(packetId >> 8); // packet id MSB
      b.write(packetId & 0xFF); // packet id LSB
      b.write(0); // property length
      b.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
      return packet(0x30 | (dup ? 0x08 : 0) | (2 << 1), b.toByteArray());
    }

    /** An acknowledgement with only a packet id: PUBREL is 0x62. */
    static byte[] ack(int typeAndFlags, int packetId) {
      return packet(typeAndFlags, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    /** A 5.0 DISCONNECT (normal) that sets the session expiry interval. */
    static byte[] disconnectWithExpiry(int expirySeconds) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(0); // reason code: normal disconnection
      b.write(5); // property length
      b.write(0x11); // session expiry interval
      b.writeBytes(int4(expirySeconds));
      return packet(0xE0, b.toByteArray());
    }
  }
}
