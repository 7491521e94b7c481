package io.busbar.verticles.mqtt.session;

import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The state of one MQTT session (MQTT 3.1.1 §4.1, 5.0 §4.1): its subscriptions, the outgoing QoS
 * 1/2 messages awaiting acknowledgement (the in-flight window, bounded by the client's receive
 * maximum, 5.0 §4.9), the incoming QoS 2 packet ids awaiting PUBREL, and a bounded queue of
 * messages waiting for the window or for the client to come back. It outlives its connection when
 * the session is persistent; then every QoS 1/2 message it takes or lets go is told to its {@link
 * SessionStore}.
 */
public final class Session {

  private record Queued(long seq, Delivery delivery, boolean dup) {
    Queued(long seq, Delivery delivery) {
      this(seq, delivery, false);
    }
  }

  private record Inflight(long seq, Delivery delivery, boolean released) {}

  private final String tenant;
  private final String clientId;
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
  private final Map<Integer, Inflight> inflight = new LinkedHashMap<>();
  private final Set<Integer> incomingQos2 = new HashSet<>();
  // sized on the first message queued: most sessions keep up and never queue one
  private final ArrayDeque<Queued> queue = new ArrayDeque<>(0);
  private final int maxQueued;
  private final QueuePolicy policy;
  private final Consumer<Delivery> onDrop;
  private final QueueBudget budget;
  private final SessionStore store;
  private Outlet outlet;
  private int receiveMaximum = 65_535;
  private int nextPacketId = 1;
  private long nextSeq = 1;
  private boolean persistent;
  private long expiryIntervalSeconds;
  private long expiryTimer = -1;
  private long willTimer = -1;

  /**
   * @param maxQueued the most messages queued while offline or while the window is full
   * @param policy what to drop when the queue is full
   * @param onDrop told about every dropped delivery, to count it
   */
  public Session(
      String tenant,
      String clientId,
      int maxQueued,
      QueuePolicy policy,
      Consumer<Delivery> onDrop) {
    this(tenant, clientId, maxQueued, policy, onDrop, QueueBudget.unlimited(), SessionStore.none());
  }

  /**
   * @param budget the broker-wide byte budget of all session queues; a message that does not fit is
   *     handled by {@code policy} like one beyond {@code maxQueued}
   */
  public Session(
      String tenant,
      String clientId,
      int maxQueued,
      QueuePolicy policy,
      Consumer<Delivery> onDrop,
      QueueBudget budget) {
    this(tenant, clientId, maxQueued, policy, onDrop, budget, SessionStore.none());
  }

  /**
   * @param store told about the messages of this session while it is persistent
   */
  public Session(
      String tenant,
      String clientId,
      int maxQueued,
      QueuePolicy policy,
      Consumer<Delivery> onDrop,
      QueueBudget budget,
      SessionStore store) {
    this.tenant = tenant;
    this.clientId = clientId;
    this.maxQueued = maxQueued;
    this.policy = policy;
    this.onDrop = onDrop;
    this.budget = budget;
    this.store = store;
  }

  public String tenant() {
    return tenant;
  }

  public String clientId() {
    return clientId;
  }

  /** The live connection, or {@code null} while the client is away. */
  public Outlet outlet() {
    return outlet;
  }

  public boolean isConnected() {
    return outlet != null;
  }

  public boolean isPersistent() {
    return persistent;
  }

  public long expiryIntervalSeconds() {
    return expiryIntervalSeconds;
  }

  /**
   * Sets how long the session outlives its connection: 0 ends it with the connection (clean
   * session, MQTT 3.1.1 §3.1.2.4; session expiry interval 0, 5.0 §3.1.2.11.2).
   */
  public void expiryIntervalSeconds(long seconds) {
    this.expiryIntervalSeconds = seconds;
    this.persistent = seconds > 0;
  }

  /** The id of the timer that ends this session while its client is away, or -1. */
  public long expiryTimer() {
    return expiryTimer;
  }

  public void expiryTimer(long timerId) {
    this.expiryTimer = timerId;
  }

  /** The id of the timer that publishes the last connection's delayed will, or -1. */
  public long willTimer() {
    return willTimer;
  }

  public void willTimer(long timerId) {
    this.willTimer = timerId;
  }

  public Map<String, Subscription> subscriptions() {
    return subscriptions;
  }

  /**
   * Puts back the messages of a stored session at start-up, without telling the store again:
   * released QoS 2 messages wait for PUBCOMP under their packet id, the rest are queued.
   */
  public void restore(List<SessionStore.StoredMessage> messages) {
    for (SessionStore.StoredMessage m : messages) {
      nextSeq = Math.max(nextSeq, m.seq() + 1);
      if (m.releasedPacketId() > 0) {
        inflight.put(m.releasedPacketId(), new Inflight(m.seq(), m.delivery(), true));
      } else {
        queue.addLast(new Queued(m.seq(), m.delivery(), m.sent()));
        budget.tryReserve(QueueBudget.sizeOf(m.delivery()));
      }
    }
  }

  /**
   * Binds the session to a live connection and resends what the previous connection left
   * unacknowledged, with DUP set (MQTT 3.1.1 §4.4, 5.0 §4.4), then what was queued.
   */
  public void attach(Outlet outlet, int receiveMaximum) {
    this.outlet = outlet;
    this.receiveMaximum = Math.max(1, receiveMaximum);
    for (Map.Entry<Integer, Inflight> e : inflight.entrySet()) {
      if (e.getValue().released()) {
        outlet.pubrel(e.getKey());
      } else {
        outlet.publish(e.getKey(), e.getValue().delivery(), true);
      }
    }
    drain();
  }

  /** Unbinds the session from its connection; in-flight and queued messages stay. */
  public void detach(Outlet from) {
    if (outlet == from) {
      outlet = null;
    }
  }

  /**
   * Hands a delivery to the session: sent now when connected and the window has room, queued
   * otherwise. QoS 0 messages are not kept for an offline session.
   *
   * @return a future completed when a persistent session's store has the message, or {@code null}
   *     when there is nothing to wait for
   */
  public Future<Void> deliver(Delivery delivery) {
    if (delivery.qos() == 0) {
      if (outlet != null) {
        outlet.publish(0, delivery, false);
      }
      return null;
    }
    long seq = nextSeq++;
    Future<Void> stored = null;
    if (outlet != null
        && outlet.writable()
        && queue.isEmpty()
        && inflight.size() < receiveMaximum) {
      if (persistent) {
        stored = store.messageAdded(tenant, clientId, seq, delivery);
      }
      send(seq, delivery, false);
    } else if (enqueue(seq, delivery) && persistent) {
      stored = store.messageAdded(tenant, clientId, seq, delivery);
    }
    return stored;
  }

  /** Queues a delivery within the bounds; returns false when the delivery itself was dropped. */
  private boolean enqueue(long seq, Delivery delivery) {
    long size = QueueBudget.sizeOf(delivery);
    while (queue.size() >= maxQueued || !budget.tryReserve(size)) {
      if (policy == QueuePolicy.DROP_OLDEST && !queue.isEmpty()) {
        Queued oldest = pollQueue();
        forget(oldest.seq());
        onDrop.accept(oldest.delivery());
      } else {
        onDrop.accept(delivery);
        return false;
      }
    }
    queue.addLast(new Queued(seq, delivery));
    return true;
  }

  private Queued pollQueue() {
    Queued q = queue.pollFirst();
    if (q != null) {
      budget.release(QueueBudget.sizeOf(q.delivery()));
    }
    return q;
  }

  private void forget(long seq) {
    if (persistent) {
      store.messageRemoved(tenant, clientId, seq);
    }
  }

  private void send(long seq, Delivery delivery, boolean dup) {
    int packetId = nextPacketId();
    inflight.put(packetId, new Inflight(seq, delivery, false));
    if (!outlet.publish(packetId, delivery, dup)) {
      inflight.remove(packetId);
      forget(seq);
    } else if (persistent) {
      store.messageSent(tenant, clientId, seq);
    }
  }

  private void drain() {
    long now = System.currentTimeMillis();
    while (outlet != null
        && outlet.writable()
        && !queue.isEmpty()
        && inflight.size() < receiveMaximum) {
      Queued next = pollQueue();
      if (next.delivery().message().isExpired(now)) {
        forget(next.seq()); // MQTT 5.0 §3.3.2.3.3: an expired message is not delivered
        continue;
      }
      send(next.seq(), next.delivery(), next.dup());
    }
  }

  /** The connection has drained its write backlog: send what waited for it. */
  public void writable() {
    drain();
  }

  /** PUBACK for an outgoing QoS 1 message; returns whether the packet id was in flight. */
  public boolean acknowledged(int packetId) {
    Inflight removed = inflight.remove(packetId);
    if (removed != null) {
      forget(removed.seq());
    }
    drain();
    return removed != null;
  }

  /**
   * PUBREC for an outgoing QoS 2 message: the client has it; the broker releases it with PUBREL
   * (MQTT §4.3.3). Returns whether the packet id was in flight.
   */
  public boolean received(int packetId) {
    Inflight entry = inflight.get(packetId);
    if (entry == null) {
      return false;
    }
    if (!entry.released()) {
      inflight.put(packetId, new Inflight(entry.seq(), entry.delivery(), true));
      if (persistent) {
        store.messageReleased(tenant, clientId, entry.seq(), packetId);
      }
    }
    if (outlet != null) {
      outlet.pubrel(packetId);
    }
    return true;
  }

  /** PUBCOMP for an outgoing QoS 2 message: the exchange is over. */
  public boolean completed(int packetId) {
    return acknowledged(packetId);
  }

  /**
   * Records an incoming QoS 2 PUBLISH (MQTT §4.3.3, method B).
   *
   * @return true when the packet id is new and the message must be routed; false for a
   *     retransmission that was already routed
   */
  public boolean firstIncomingQos2(int packetId) {
    return incomingQos2.add(packetId);
  }

  /**
   * The incoming QoS 2 message {@code packetId} was routed: a persistent session writes the id to
   * its store, so a resend after a restart is recognised.
   *
   * @return a future completed when the id is durable, or {@code null} when there is nothing to
   *     wait for
   */
  public Future<Void> incomingQos2Routed(int packetId) {
    return persistent ? store.incomingQos2Received(tenant, clientId, packetId) : null;
  }

  /** Whether {@code packetId} is an incoming QoS 2 message awaiting PUBREL. */
  public boolean hasIncomingQos2(int packetId) {
    return incomingQos2.contains(packetId);
  }

  /**
   * PUBREL for an incoming QoS 2 message: the packet id may be reused.
   *
   * @return a future completed when a persistent session's store forgot the id (PUBCOMP waits for
   *     it), or {@code null}
   */
  public Future<Void> releaseIncomingQos2(int packetId) {
    if (incomingQos2.remove(packetId) && persistent) {
      return store.incomingQos2Released(tenant, clientId, packetId);
    }
    return null;
  }

  /**
   * The incoming QoS 2 packet ids awaiting PUBREL: to hand the session to another node, where a
   * resent PUBLISH with one of them is not routed again.
   */
  public java.util.Set<Integer> incomingQos2() {
    return java.util.Set.copyOf(incomingQos2);
  }

  /** Puts back the incoming QoS 2 packet ids of a stored or handed-over session. */
  public void restoreIncomingQos2(java.util.Collection<Integer> packetIds) {
    incomingQos2.addAll(packetIds);
  }

  /**
   * The unacknowledged and queued QoS 1/2 messages, oldest first, as a store would keep them: to
   * hand the session to another node.
   */
  public List<SessionStore.StoredMessage> snapshot() {
    List<SessionStore.StoredMessage> out = new ArrayList<>(inflight.size() + queue.size());
    inflight.forEach(
        (packetId, i) ->
            out.add(
                new SessionStore.StoredMessage(
                    i.seq(), i.delivery(), i.released() ? packetId : 0, true)));
    queue.forEach(q -> out.add(new SessionStore.StoredMessage(q.seq(), q.delivery(), 0, q.dup())));
    return out;
  }

  public int inflightCount() {
    return inflight.size();
  }

  public int queuedCount() {
    return queue.size();
  }

  /**
   * Drops every queued and in-flight message, e.g. when the session ends, and returns them; the
   * store is not told (ending the session there removes them all).
   */
  public Collection<Delivery> clearMessages() {
    List<Delivery> all = new ArrayList<>();
    inflight.values().forEach(i -> all.add(i.delivery()));
    queue.forEach(
        q -> {
          all.add(q.delivery());
          budget.release(QueueBudget.sizeOf(q.delivery()));
        });
    queue.clear();
    inflight.clear();
    incomingQos2.clear();
    return all;
  }

  private int nextPacketId() {
    // MQTT §2.3.1: non-zero, not in use by another unacknowledged message of this session
    for (int tries = 0; tries < 65_535; tries++) {
      int id = nextPacketId;
      nextPacketId = id == 65_535 ? 1 : id + 1;
      if (!inflight.containsKey(id)) {
        return id;
      }
    }
    throw new IllegalStateException("no free packet identifier: 65535 messages in flight");
  }
}
