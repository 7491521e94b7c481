package io.busbar.verticles.mqtt.session;

/**
 * The sending side of a live connection, as a session sees it. Implemented by the connection
 * handler on top of an MQTT endpoint; called on the connection's event-loop context.
 */
public interface Outlet {

  /**
   * Sends a PUBLISH.
   *
   * @param packetId the packet identifier (ignored for QoS 0)
   * @param delivery what to send, at which QoS, with which RETAIN flag and subscription ids
   * @param dup whether this is a redelivery (MQTT 3.1.1 §3.3.1.1, 5.0 §3.3.1.1)
   * @return false when the message was discarded instead (e.g. larger than the client's maximum
   *     packet size, MQTT 5.0 §3.1.2.11.4): the session then treats it as complete
   */
  boolean publish(int packetId, Delivery delivery, boolean dup);

  /**
   * Whether the connection takes more messages now: false while its write backlog is above the
   * limit (a slow subscriber). The session then queues QoS 1/2 messages; the outlet drops QoS 0
   * ones; {@link Session#writable()} is called when the backlog has drained.
   */
  default boolean writable() {
    return true;
  }

  /** Sends a PUBREL for an outgoing QoS 2 message the client has acknowledged with PUBREC. */
  void pubrel(int packetId);
}
