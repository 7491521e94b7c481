package io.busbar.verticles.mqtt.cluster;

import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.SessionStore;

/**
 * What the cluster layer needs from this node's broker; implemented in the broker package, called
 * on the broker's event loop.
 */
public interface LocalBroker {

  PostOffice postOffice();

  /**
   * Another node took the client over: closes its live connection here (MQTT 5.0 DISCONNECT 0x8E,
   * §3.1.4) and removes its session from this node.
   *
   * @return the session's state when it is persistent (to continue on the other node), else {@code
   *     null}
   */
  SessionStore.StoredSession handOver(String tenant, String clientId);

  /**
   * Puts a session handed over by another node (or left by a dead one) into this broker, offline:
   * its subscriptions, messages and incoming QoS 2 packet ids awaiting PUBREL; its will, if any, is
   * published when due unless the client comes back first.
   */
  void adopt(SessionStore.StoredSession session);

  /** Publishes a message on behalf of a client of a dead node (its will): routed and decoded. */
  void publish(Message message);
}
