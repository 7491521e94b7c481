package io.busbar.verticles.mqtt.session;

import io.vertx.core.Future;
import java.util.List;

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

  /** A stored session, as loaded at start. */
  record StoredSession(
      String tenant,
      String clientId,
      long expirySeconds,
      List<Subscription> subscriptions,
      List<StoredMessage> messages) {}

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

  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /** A store that keeps nothing: sessions live as long as the broker's memory. */
  static SessionStore none() {
    return NoSessionStore.INSTANCE;
  }
}
