package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.busbar.security.Principal;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.verticles.mqtt.RawMqttClient.Packet;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every DISCONNECT the server sends a 5.0 client is read by it, also while the client is still
 * pipelining QoS 1 PUBLISHes it has not had answered (MQTT 5.0 §4.13.2, §3.14): without a lingering
 * close the broker closes with the client's packets unread, the kernel resets the connection and
 * the reset loses the DISCONNECT. The pipelining side is the byte-level {@link RawMqttClient},
 * writing a stream of PUBLISHes without reading, then reading everything, as the Paho suite's
 * client does; after the DISCONNECT nothing it sent is accepted.
 */
@Timeout(60)
class MqttServerDisconnectTest {

  /** Small enough that a too-large packet is cheap to send. */
  private static final int MAX_PACKET = 64 * 1024;

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start(new MqttConfig("127.0.0.1", 0, MAX_PACKET, false));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /**
   * Verifies that a client whose session another connection takes over while it is pipelining QoS 1
   * PUBLISHes reads every PUBACK and then DISCONNECT 0x8E session taken over (MQTT 5.0 §3.1.4),
   * that nothing it sent after that is accepted, and that the connection gauge counts the client
   * once.
   */
  @Test
  void takeoverReachesAPipeliningClient() throws Exception {
    String id = BrokerFixture.uniqueId("takeover");
    double connectedBefore = broker.gauge("busbar.mqtt.clients.connected");
    double in = broker.counter("busbar.mqtt.messages.in");
    String topic = "linger/takeover/" + id;
    try (RawMqttClient raw = rawV5(broker, id, broker.appToken(id, "acme"), topic);
        Pipeliner burst = new Pipeliner(raw, topic)) {
      burst.awaitSent(256 * 1024);
      Mqtt5BlockingClient successor = broker.connectV5(id, id, broker.appToken(id, "acme"));
      burst.awaitSent(burst.sent() + 256 * 1024); // still sending after the takeover
      burst.stop();
      Reply reply = readUntilDisconnect(raw);
      assertThat(reply.disconnect()).as("DISCONNECT read before the connection ended").isNotNull();
      assertThat(reply.disconnect().body()[0] & 0xFF).isEqualTo(0x8E);
      // each PUBLISH the broker took was acknowledged before the DISCONNECT; none after it was
      assertThat(broker.counter("busbar.mqtt.messages.in") - in).isEqualTo(reply.pubacks());
      assertThat(raw.closedByBroker((int) LingeringClose.LINGER_MILLIS + 3000)).isTrue();
      assertThat(broker.gauge("busbar.mqtt.clients.connected")).isEqualTo(connectedBefore + 1);
      successor.disconnect();
    }
  }

  /**
   * Verifies that a client pipelining QoS 1 PUBLISHes with one larger than the maximum packet size
   * among them reads the PUBACKs of those before it and then DISCONNECT 0x95 packet too large (MQTT
   * 5.0 §3.1.2.11.4, §4.13), and that nothing after it is accepted.
   */
  @Test
  void packetTooLargeReachesAPipeliningClient() throws Exception {
    String id = BrokerFixture.uniqueId("large");
    double in = broker.counter("busbar.mqtt.messages.in");
    String topic = "linger/large/" + id;
    try (RawMqttClient raw = rawV5(broker, id, broker.appToken(id, "acme"), topic)) {
      java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
      for (int i = 1; i <= 1000; i++) {
        burst.writeBytes(publish(topic, i, 1024));
      }
      burst.writeBytes(publish(topic, 1001, MAX_PACKET + 1024)); // too large
      try (Pipeliner more = new Pipeliner(raw, topic, burst.toByteArray())) {
        more.awaitSent(256 * 1024); // and more behind it, unread by the broker
        more.stop();
      }
      Reply reply = readUntilDisconnect(raw);
      assertThat(reply.disconnect()).as("DISCONNECT read before the connection ended").isNotNull();
      assertThat(reply.disconnect().body()[0] & 0xFF).isEqualTo(0x95);
      assertThat(reply.pubacks()).isEqualTo(1000);
      assertThat(broker.counter("busbar.mqtt.messages.in") - in).isEqualTo(1000);
      assertThat(raw.closedByBroker((int) LingeringClose.LINGER_MILLIS + 3000)).isTrue();
    }
  }

  /**
   * Verifies that a client whose token expires while it is pipelining QoS 1 PUBLISHes reads
   * DISCONNECT 0xA0 maximum connect time with reason "token expired" (MQTT 5.0 §3.14.2.1).
   */
  @Test
  void tokenExpiryReachesAPipeliningClient() throws Exception {
    String id = BrokerFixture.uniqueId("expiring");
    String token =
        broker.issuer.mint(
            new TokenRequest(id, "acme", Set.of(Principal.ROLE_APP), Duration.ofSeconds(3)));
    String topic = "linger/expiry/" + id;
    try (RawMqttClient raw = rawV5(broker, id, token, topic);
        Pipeliner burst = new Pipeliner(raw, topic)) {
      // the device goes on sending past its token's expiry, then reads
      Thread.sleep(Duration.ofSeconds(3).toMillis() + 500);
      burst.stop();
      Reply reply = readUntilDisconnect(raw);
      assertThat(reply.disconnect()).as("DISCONNECT read before the connection ended").isNotNull();
      assertThat(reply.disconnect().body()[0] & 0xFF).isEqualTo(0xA0);
      assertThat(new String(reply.disconnect().body(), java.nio.charset.StandardCharsets.UTF_8))
          .contains("token expired");
    }
  }

  /**
   * Verifies that stopping the node sends a pipelining client DISCONNECT 0x8B server shutting down
   * that it reads while the node waits for it, and that the stop then completes.
   */
  @Test
  void shutdownReachesAPipeliningClient() throws Exception {
    BrokerFixture node = BrokerFixture.start(new MqttConfig("127.0.0.1", 0, MAX_PACKET, false));
    String id = BrokerFixture.uniqueId("shutdown");
    String topic = "linger/shutdown/" + id;
    try (RawMqttClient raw = rawV5(node, id, node.appToken(id, "acme"), topic);
        Pipeliner burst = new Pipeliner(raw, topic)) {
      burst.awaitSent(256 * 1024);
      CompletableFuture<Void> stopped = CompletableFuture.runAsync(node::close);
      burst.awaitSent(burst.sent() + 256 * 1024); // still sending while the node stops
      burst.stop();
      Reply reply = readUntilDisconnect(raw);
      assertThat(reply.disconnect()).as("DISCONNECT read before the connection ended").isNotNull();
      assertThat(reply.disconnect().body()[0] & 0xFF).isEqualTo(0x8B);
      raw.close(); // the stop, which waited for this client (at most the linger), completes
      stopped.get(20, TimeUnit.SECONDS);
    }
  }

  // ---- helpers ----

  /**
   * A raw 5.0 client with a small receive buffer, subscribed at QoS 0 to {@code echo}: what it
   * publishes there comes back and, as it does not read while it publishes, backs up in the broker.
   * A DISCONNECT then waits behind those packets in the broker's send queue, where a close without
   * lingering discards it.
   */
  private static RawMqttClient rawV5(
      BrokerFixture broker, String clientId, String token, String echo) throws IOException {
    RawMqttClient raw = RawMqttClient.open(broker.port, 8 * 1024);
    raw.send(RawMqttClient.connect(true, clientId, true, 30, clientId, token, null, 0));
    assertThat(raw.await(Packet.CONNACK, 5000)).isNotNull();
    raw.send(RawMqttClient.subscribe(true, 1, echo, 0));
    Packet suback = raw.await(Packet.SUBACK, 5000);
    assertThat(suback).isNotNull();
    assertThat(suback.body()[suback.body().length - 1] & 0xFF).isZero(); // granted QoS 0
    return raw;
  }

  private static byte[] publish(String topic, int packetId, int size) {
    return RawMqttClient.publish(true, topic, 1, packetId, false, false, new byte[size]);
  }

  /** What the client read: PUBACKs, then the DISCONNECT or {@code null} if none arrived. */
  private record Reply(int pubacks, Packet disconnect) {}

  private static Reply readUntilDisconnect(RawMqttClient raw) throws IOException {
    int pubacks = 0;
    Packet p;
    while ((p = raw.read(10_000)) != null && p.type() != Packet.DISCONNECT) {
      assertThat(p.type()).isIn(Packet.PUBACK, Packet.PUBLISH); // PUBLISH: the echo
      if (p.type() == Packet.PUBACK) {
        pubacks++;
      }
    }
    return new Reply(pubacks, p);
  }

  /**
   * Writes QoS 1 PUBLISHes of 1 KiB back to back on a thread of its own, never reading, until
   * stopped or until a write fails (the connection ended).
   */
  private static final class Pipeliner implements AutoCloseable {
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean stopped;
    private final Thread thread;
    private final List<IOException> failures = new ArrayList<>();

    Pipeliner(RawMqttClient raw, String topic) {
      this(raw, topic, new byte[0]);
    }

    /** Writes {@code first}, then PUBLISHes as above. */
    Pipeliner(RawMqttClient raw, String topic, byte[] first) {
      thread =
          new Thread(
              () -> {
                int id = 1000;
                byte[] batch;
                try {
                  raw.send(first);
                  sent.addAndGet(first.length);
                  while (!stopped) {
                    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
                    for (int i = 0; i < 16; i++) {
                      id = id % 65_535 + 1;
                      b.writeBytes(publish(topic, id, 1024));
                    }
                    batch = b.toByteArray();
                    raw.send(batch);
                    sent.addAndGet(batch.length);
                  }
                } catch (IOException e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
              },
              "pipeliner");
      thread.setDaemon(true);
      thread.start();
    }

    long sent() {
      return sent.get();
    }

    /** Waits until {@code bytes} were written (or the writer ended). */
    void awaitSent(long bytes) throws InterruptedException {
      while (sent.get() < bytes && thread.isAlive()) {
        Thread.sleep(5);
      }
    }

    void stop() throws InterruptedException {
      stopped = true;
      thread.join();
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
