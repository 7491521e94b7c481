package io.busbar.verticles.mqtt;

import io.busbar.verticles.mqtt.session.Session;

/** Ending a session: its subscriptions leave the routing tables and its messages are dropped. */
final class SessionEnd {

  private SessionEnd() {}

  /**
   * Ends {@code session}: unsubscribes it, hands its unacknowledged shared-subscription messages to
   * other group members (MQTT 5.0 §4.8.2), drops the rest (counted) and forgets it.
   */
  static void discard(Broker broker, Session session) {
    broker.postOffice().unsubscribeAll(session);
    broker.sessions().remove(session);
    broker.sessionStore().sessionEnded(session.tenant(), session.clientId());
    if (broker.cluster() != null) {
      broker.cluster().sessionEnded(session.tenant(), session.clientId());
    }
    java.util.Collection<io.busbar.verticles.mqtt.session.Delivery> left = session.clearMessages();
    int handed = broker.postOffice().redeliverShared(session.tenant(), left);
    long qos12 = left.stream().filter(d -> d.qos() > 0).count();
    if (qos12 > handed) {
      broker.metrics().sessionDropped.increment(qos12 - handed);
    }
  }

  /** Ends {@code session} after its expiry interval unless its client comes back first. */
  static void scheduleExpiry(Broker broker, Session session) {
    if (broker.cluster() != null) {
      // the connection is gone and the session stays here: its will is no longer due cluster-wide
      broker.cluster().detached(session.tenant(), session.clientId());
    }
    scheduleExpiryOnly(broker, session);
  }

  /** As {@link #scheduleExpiry}, without telling the cluster's client directory. */
  static void scheduleExpiryOnly(Broker broker, Session session) {
    long delayMs = Math.max(1, session.expiryIntervalSeconds() * 1000);
    session.expiryTimer(
        broker
            .vertx()
            .setTimer(
                delayMs,
                t -> {
                  session.expiryTimer(-1);
                  if (!session.isConnected()
                      && broker.sessions().get(session.tenant(), session.clientId()).orElse(null)
                          == session) {
                    discard(broker, session);
                  }
                }));
  }
}
