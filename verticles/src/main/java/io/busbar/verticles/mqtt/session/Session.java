package io.busbar.verticles.mqtt.session;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The state of one MQTT session (MQTT 3.1.1 §4.1, 5.0 §4.1): its subscriptions, the outgoing
 * QoS 1/2 messages awaiting acknowledgement (the in-flight window, bounded by the client's receive
 * maximum, 5.0 §4.9), the incoming QoS 2 packet ids awaiting PUBREL, and a bounded queue of
 * messages waiting for the window or for the client to come back. It outlives its connection when
 * the session is persistent.
 */
public final class Session {

  private record Inflight(Delivery delivery, boolean released) {}

  private final String tenant;
  private final String clientId;
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
  private final Map<Integer, Inflight> inflight = new LinkedHashMap<>();
  private final Set<Integer> incomingQos2 = new HashSet<>();
  private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
  private final int maxQueued;
  private final QueuePolicy policy;
  private final Consumer<Delivery> onDrop;
  private final QueueBudget budget;
  private Outlet outlet;
  private int receiveMaximum = 65_535;
  private int nextPacketId = 1;
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
      String tenant, String clientId, int maxQueued, QueuePolicy policy, Consumer<Delivery> onDrop) {
    this(tenant, clientId, maxQueued, policy, onDrop, QueueBudget.unlimited());
  }

  /**
   * @param budget the broker-wide byte budget of all session queues; a message that does not fit
   *     is handled by {@code policy} like one beyond {@code maxQueued}
   */
  public Session(
      String tenant,
      String clientId,
      int maxQueued,
      QueuePolicy policy,
      Consumer<Delivery> onDrop,
      QueueBudget budget) {
    this.budget = budget;
    this.tenant = tenant;
    this.clientId = clientId;
    this.maxQueued = maxQueued;
    this.policy = policy;
    this.onDrop = onDrop;
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
   */
  public void deliver(Delivery delivery) {
    if (delivery.qos() == 0) {
      if (outlet != null) {
        outlet.publish(0, delivery, false);
      }
      return;
    }
    if (outlet != null && queue.isEmpty() && inflight.size() < receiveMaximum) {
      send(delivery);
    } else {
      enqueue(delivery);
    }
  }

  private void enqueue(Delivery delivery) {
    long size = QueueBudget.sizeOf(delivery);
    while (queue.size() >= maxQueued || !budget.tryReserve(size)) {
      if (policy == QueuePolicy.DROP_OLDEST && !queue.isEmpty()) {
        onDrop.accept(pollQueue());
      } else {
        onDrop.accept(delivery);
        return;
      }
    }
    queue.addLast(delivery);
  }

  private Delivery pollQueue() {
    Delivery d = queue.pollFirst();
    if (d != null) {
      budget.release(QueueBudget.sizeOf(d));
    }
    return d;
  }

  private void send(Delivery delivery) {
    int packetId = nextPacketId();
    inflight.put(packetId, new Inflight(delivery, false));
    if (!outlet.publish(packetId, delivery, false)) {
      inflight.remove(packetId);
    }
  }

  private void drain() {
    long now = System.currentTimeMillis();
    while (outlet != null && !queue.isEmpty() && inflight.size() < receiveMaximum) {
      Delivery next = pollQueue();
      if (next.message().isExpired(now)) {
        continue; // MQTT 5.0 §3.3.2.3.3: an expired message is not delivered
      }
      send(next);
    }
  }

  /** PUBACK for an outgoing QoS 1 message; returns whether the packet id was in flight. */
  public boolean acknowledged(int packetId) {
    Inflight removed = inflight.remove(packetId);
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
    inflight.put(packetId, new Inflight(entry.delivery(), true));
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

  /** PUBREL for an incoming QoS 2 message: the packet id may be reused. */
  public void releaseIncomingQos2(int packetId) {
    incomingQos2.remove(packetId);
  }

  public int inflightCount() {
    return inflight.size();
  }

  public int queuedCount() {
    return queue.size();
  }

  /** Drops every queued and in-flight message, e.g. when the session ends; returns them. */
  public Collection<Delivery> clearMessages() {
    ArrayDeque<Delivery> all = new ArrayDeque<>(queue);
    inflight.values().forEach(i -> all.add(i.delivery()));
    queue.forEach(d -> budget.release(QueueBudget.sizeOf(d)));
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
