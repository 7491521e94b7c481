package io.busbar.verticles.mqtt;

import io.busbar.verticles.mqtt.cluster.LocalBroker;
import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.Session;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.busbar.verticles.mqtt.session.Subscription;
import java.util.List;

/** The broker as the cluster layer sees it. Runs on the broker verticle's event loop. */
final class ClusterBridge implements LocalBroker {

  private final Broker broker;

  ClusterBridge(Broker broker) {
    this.broker = broker;
  }

  @Override
  public PostOffice postOffice() {
    return broker.postOffice();
  }

  @Override
  public SessionStore.StoredSession handOver(String tenant, String clientId) {
    Session s = broker.sessions().get(tenant, clientId).orElse(null);
    if (s == null) {
      return null;
    }
    cancel(s.expiryTimer());
    cancel(s.willTimer());
    s.expiryTimer(-1);
    s.willTimer(-1);
    MqttConnection c = MqttConnection.of(s);
    if (c != null) {
      c.takenOver(); // DISCONNECT 0x8E for 5.0 clients, then the connection closes
    }
    if (!s.isPersistent()) {
      SessionEnd.discard(broker, s);
      return null;
    }
    SessionStore.StoredSession state =
        new SessionStore.StoredSession(
            tenant,
            clientId,
            s.expiryIntervalSeconds(),
            List.copyOf(s.subscriptions().values()),
            s.snapshot(),
            s.incomingQos2(),
            null); // the client is back on the other node: a delayed will is not due
    // the messages move with the session to the other node: not dropped, not counted
    broker.postOffice().unsubscribeAll(s);
    broker.sessions().remove(s);
    broker.sessionStore().sessionEnded(tenant, clientId);
    s.clearMessages();
    return state;
  }

  @Override
  public void adopt(SessionStore.StoredSession stored) {
    Session existing = broker.sessions().get(stored.tenant(), stored.clientId()).orElse(null);
    if (existing != null) {
      return; // already here
    }
    Session session =
        new Session(
            stored.tenant(),
            stored.clientId(),
            broker.config().maxQueuedMessages(),
            broker.config().queuePolicy(),
            d -> broker.metrics().queueDropped.increment(),
            broker.queueBudget(),
            broker.sessionStore());
    session.expiryIntervalSeconds(stored.expirySeconds());
    broker.sessions().put(session);
    SessionStore store = broker.sessionStore();
    store.sessionSaved(stored.tenant(), stored.clientId(), stored.expirySeconds());
    for (Subscription sub : stored.subscriptions()) {
      broker.postOffice().subscribe(session, sub);
      store.subscribed(stored.tenant(), stored.clientId(), sub);
    }
    for (SessionStore.StoredMessage m : stored.messages()) {
      Delivery d = m.delivery();
      store.messageAdded(stored.tenant(), stored.clientId(), m.seq(), d);
      if (m.releasedPacketId() > 0) {
        store.messageReleased(stored.tenant(), stored.clientId(), m.seq(), m.releasedPacketId());
      }
    }
    session.restore(stored.messages());
    // a PUBLISH resent with one of these ids is acknowledged, not routed again (MQTT 5.0 §4.3.3)
    session.restoreIncomingQos2(stored.incomingQos2());
    for (int packetId : stored.incomingQos2()) {
      store.incomingQos2Received(stored.tenant(), stored.clientId(), packetId);
    }
    SessionEnd.scheduleExpiryOnly(broker, session);
    if (stored.will() != null) {
      // a dead node's delayed will: published when due unless the client comes back first
      store.willScheduled(stored.tenant(), stored.clientId(), stored.will());
      LastWill.restore(broker, session, stored.will());
    }
  }

  @Override
  public void publish(Message message) {
    broker.route(message);
  }

  private void cancel(long timer) {
    if (timer >= 0) {
      broker.vertx().cancelTimer(timer);
    }
  }
}
