package io.busbar.verticles.mqtt.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SessionTest {

  /** Records what a session sends. */
  static final class RecordingOutlet implements Outlet {
    final List<String> sent = new ArrayList<>();
    boolean accept = true;

    @Override
    public boolean publish(int packetId, Delivery d, boolean dup) {
      sent.add((dup ? "DUP " : "") + packetId + ":" + d.message().payload());
      return accept;
    }

    @Override
    public void pubrel(int packetId) {
      sent.add("PUBREL " + packetId);
    }
  }

  private final List<Delivery> dropped = new ArrayList<>();

  private static Delivery delivery(String payload, int qos) {
    Message m =
        new Message(
            "t",
            "a/b",
            Buffer.buffer(payload),
            qos,
            false,
            MqttProperties.NO_PROPERTIES,
            "p",
            Long.MAX_VALUE);
    return new Delivery(m, qos, false, List.of());
  }

  private Session session(int maxQueued, QueuePolicy policy) {
    Session s = new Session("t", "c", maxQueued, policy, dropped::add);
    s.expiryIntervalSeconds(60);
    return s;
  }

  /** Verifies that QoS 1 sends use increasing packet ids and PUBACK frees the window. */
  @Test
  void sendsWithinReceiveMaximum() {
    Session s = session(10, QueuePolicy.DROP_NEWEST);
    RecordingOutlet out = new RecordingOutlet();
    s.attach(out, 2);
    s.deliver(delivery("a", 1));
    s.deliver(delivery("b", 1));
    s.deliver(delivery("c", 1));
    assertThat(out.sent).containsExactly("1:a", "2:b");
    assertThat(s.queuedCount()).isEqualTo(1);
    assertThat(s.acknowledged(1)).isTrue();
    assertThat(out.sent).containsExactly("1:a", "2:b", "3:c");
    assertThat(s.acknowledged(1)).isFalse();
  }

  /** Verifies the queue bound with both policies, each drop reported. */
  @Test
  void boundsQueueWithPolicy() {
    Session newest = session(2, QueuePolicy.DROP_NEWEST);
    newest.deliver(delivery("1", 1));
    newest.deliver(delivery("2", 1));
    newest.deliver(delivery("3", 1));
    assertThat(dropped).extracting(d -> d.message().payload().toString()).containsExactly("3");
    dropped.clear();
    Session oldest = session(2, QueuePolicy.DROP_OLDEST);
    oldest.deliver(delivery("1", 1));
    oldest.deliver(delivery("2", 1));
    oldest.deliver(delivery("3", 1));
    assertThat(dropped).extracting(d -> d.message().payload().toString()).containsExactly("1");
    RecordingOutlet out = new RecordingOutlet();
    oldest.attach(out, 10);
    assertThat(out.sent).containsExactly("1:2", "2:3");
  }

  /** Verifies that reattaching resends unacknowledged messages with DUP and PUBREL for released. */
  @Test
  void resendsInflightOnAttach() {
    Session s = session(10, QueuePolicy.DROP_NEWEST);
    RecordingOutlet first = new RecordingOutlet();
    s.attach(first, 10);
    s.deliver(delivery("q1", 1));
    s.deliver(delivery("q2", 2));
    assertThat(s.received(2)).isTrue();
    s.detach(first);
    s.deliver(delivery("q0", 0)); // QoS 0 is not kept for an absent client
    RecordingOutlet second = new RecordingOutlet();
    s.attach(second, 10);
    assertThat(second.sent).containsExactly("DUP 1:q1", "PUBREL 2");
    assertThat(s.completed(2)).isTrue();
    assertThat(s.inflightCount()).isEqualTo(1);
  }

  /** Verifies that a message the outlet discards (too large) does not occupy the window. */
  @Test
  void discardedMessageLeavesWindow() {
    Session s = session(10, QueuePolicy.DROP_NEWEST);
    RecordingOutlet out = new RecordingOutlet();
    out.accept = false;
    s.attach(out, 1);
    s.deliver(delivery("big", 1));
    assertThat(s.inflightCount()).isZero();
  }

  /** Verifies that a QoS 2 packet id is recognised as a retransmission until PUBREL. */
  @Test
  void incomingQos2Dedup() {
    Session s = session(10, QueuePolicy.DROP_NEWEST);
    assertThat(s.firstIncomingQos2(5)).isTrue();
    assertThat(s.firstIncomingQos2(5)).isFalse();
    s.releaseIncomingQos2(5);
    assertThat(s.firstIncomingQos2(5)).isTrue();
  }

  /**
   * Verifies the broker-wide byte budget: two sessions share it, a message that does not fit is
   * dropped (or makes room by dropping the oldest), and bytes come back when messages leave.
   */
  @Test
  void sharesQueueByteBudget() {
    QueueBudget budget = new QueueBudget(12); // each delivery below counts 3 (topic) + 2 bytes
    Session a = new Session("t", "a", 100, QueuePolicy.DROP_NEWEST, dropped::add, budget);
    Session b = new Session("t", "b", 100, QueuePolicy.DROP_OLDEST, dropped::add, budget);
    a.expiryIntervalSeconds(60);
    b.expiryIntervalSeconds(60);
    a.deliver(delivery("a1", 1));
    a.deliver(delivery("a2", 1));
    assertThat(budget.usedBytes()).isEqualTo(10);
    b.deliver(delivery("b1", 1)); // does not fit; b has nothing of its own to drop
    assertThat(dropped).extracting(d -> d.message().payload().toString()).containsExactly("b1");
    a.deliver(delivery("a3", 1)); // DROP_NEWEST
    assertThat(dropped).hasSize(2);
    RecordingOutlet out = new RecordingOutlet();
    a.attach(out, 10);
    assertThat(budget.usedBytes()).isZero();
    b.deliver(delivery("b2", 1));
    assertThat(b.queuedCount()).isEqualTo(1);
  }

  /**
   * Verifies that a session rebuilt from a snapshot (another node's, after takeover or death)
   * resends what had been sent before with DUP set and what was only queued without it.
   */
  @Test
  void rebuiltSessionResendsSentMessagesWithDup() {
    Session old = session(10, QueuePolicy.DROP_NEWEST);
    old.attach(new RecordingOutlet(), 1);
    old.deliver(delivery("sent", 1));
    old.deliver(delivery("queued", 1));
    Session rebuilt = session(10, QueuePolicy.DROP_NEWEST);
    rebuilt.restore(old.snapshot());
    RecordingOutlet out = new RecordingOutlet();
    rebuilt.attach(out, 10);
    assertThat(out.sent).containsExactly("DUP 1:sent", "2:queued");
  }
}
