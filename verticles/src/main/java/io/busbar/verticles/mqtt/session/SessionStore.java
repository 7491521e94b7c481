package io.busbar.verticles.mqtt.session;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * Where persistent sessions are kept beyond the memory of the broker: their expiry, subscriptions
 * and unacknowledged or queued QoS 1/2 messages. Sessions tell the store about every change; the
 * broker reads {@link #load} once at start. One implementation per backing: {@link #none()} keeps
 * nothing (sessions live in memory only), a file journal for one node, Hazelcast later.
 */
public interface SessionStore {

  /**
   * A stored message of a session; {@code releasedPacketId} is non-zero after PUBREC; {@code sent}
   * when it went to a client at least once (resent with DUP, MQTT 5.0 §3.3.1.1), as far as the
   * store knows.
   */
  record StoredMessage(long seq, Delivery delivery, int releasedPacketId, boolean sent) {

    public StoredMessage(long seq, Delivery delivery, int releasedPacketId) {
      this(seq, delivery, releasedPacketId, false);
    }
  }

  /**
   * The will of a session's last connection, waiting for its will delay (MQTT 5.0 §3.1.3.2.2):
   * published at {@code dueAtMillis} (epoch) unless the client comes back first.
   */
  record StoredWill(long dueAtMillis, Message message) {}

  /**
   * A stored session, as loaded at start.
   *
   * @param incomingQos2 packet ids of QoS 2 PUBLISHes received from the client and not yet released
   *     with PUBREL (MQTT 5.0 §4.3.3): a resent PUBLISH with one of them is not routed again
   * @param will the delayed will of its last connection, or {@code null}
   */
  record StoredSession(
      String tenant,
      String clientId,
      long expirySeconds,
      List<Subscription> subscriptions,
      List<StoredMessage> messages,
      Set<Integer> incomingQos2,
      StoredWill will) {

    public StoredSession(
        String tenant,
        String clientId,
        long expirySeconds,
        List<Subscription> subscriptions,
        List<StoredMessage> messages) {
      this(tenant, clientId, expirySeconds, subscriptions, messages, Set.of(), null);
    }
  }

  /** The sessions stored when the store was opened. */
  List<StoredSession> load();

  /** A persistent session was created or resumed, with this expiry interval. */
  void sessionSaved(String tenant, String clientId, long expirySeconds);

  /** The session ended: forget it and everything it held. */
  void sessionEnded(String tenant, String clientId);

  void subscribed(String tenant, String clientId, Subscription subscription);

  void unsubscribed(String tenant, String clientId, String filter);

  /**
   * A QoS 1/2 message was handed to the session.
   *
   * @return a future completed when that is durable, or {@code null} when there is nothing to wait
   *     for
   */
  Future<Void> messageAdded(String tenant, String clientId, long seq, Delivery delivery);

  /** The client acknowledged an outgoing QoS 2 message with PUBREC; PUBREL is due. */
  void messageReleased(String tenant, String clientId, long seq, int packetId);

  /**
   * The message was sent to the client (it is in flight). Stores that do not track it ignore this.
   */
  default void messageSent(String tenant, String clientId, long seq) {}

  /** The message is acknowledged, expired or dropped. */
  void messageRemoved(String tenant, String clientId, long seq);

  /**
   * A QoS 2 PUBLISH with {@code packetId} came from the client and was routed; PUBREC is due once
   * this is durable, so that a resend after a restart is not routed twice (MQTT 5.0 §4.3.3).
   *
   * @return a future completed when that is durable, or {@code null} when there is nothing to wait
   *     for
   */
  default Future<Void> incomingQos2Received(String tenant, String clientId, int packetId) {
    return null;
  }

  /**
   * PUBREL came for the incoming {@code packetId}: the id is free again. PUBCOMP is due once this
   * is durable, so that the id's next PUBLISH is never taken for a resend after a restart.
   *
   * @return a future completed when that is durable, or {@code null}
   */
  default Future<Void> incomingQos2Released(String tenant, String clientId, int packetId) {
    return null;
  }

  /** The session's last connection left a will that is due at {@code will.dueAtMillis()}. */
  default void willScheduled(String tenant, String clientId, StoredWill will) {}

  /**
   * A connection of the session with a will is live: should the node die, the will is due {@code
   * delayMillis} after it starts again (a crash closes the connection without DISCONNECT, MQTT 5.0
   * §3.1.2.5). Replaced by {@link #willScheduled} or {@link #willCleared}.
   */
  default void willArmed(String tenant, String clientId, long delayMillis, Message will) {}

  /**
   * The delayed will was published or cancelled by the client's return, or the live connection
   * ended without a will due (normal DISCONNECT, shutdown) or connected without one.
   */
  default void willCleared(String tenant, String clientId) {}

  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /** A store that keeps nothing: sessions live as long as the broker's memory. */
  static SessionStore none() {
    return NoSessionStore.INSTANCE;
  }
}
