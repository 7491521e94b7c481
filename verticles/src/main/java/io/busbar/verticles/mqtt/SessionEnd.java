package io.busbar.verticles.mqtt;

import io.busbar.verticles.mqtt.session.Session;

/** Ending a session: its subscriptions leave the routing tables and its messages are dropped. */
final class SessionEnd {

  private SessionEnd() {}

  static void discard(Broker broker, Session session) {
    broker.postOffice().unsubscribeAll(session);
    session.clearMessages();
    broker.sessions().remove(session);
  }
}
