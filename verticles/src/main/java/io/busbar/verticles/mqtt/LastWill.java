package io.busbar.verticles.mqtt;

import io.busbar.security.Principal;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.Session;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttWill;

/**
 * The will message of a connection that ended without a normal DISCONNECT (MQTT 3.1.1 §3.1.2.5, 5.0
 * §3.1.2.5 and §3.1.3.2): published at once, or after the will delay interval unless the client
 * came back first. The will is subject to the publish ACL like any message.
 */
final class LastWill {

  private LastWill() {}

  static void schedule(
      Broker broker,
      Session session,
      Principal principal,
      MqttWill will,
      boolean v5,
      boolean sessionStillRegistered,
      boolean takenOver) {
    if (will == null || !will.isWillFlag()) {
      return;
    }
    long delay =
        v5
            ? Mqtt5Properties.integer(
                will.getWillProperties(), MqttPropertyType.WILL_DELAY_INTERVAL, 0)
            : 0;
    if (!session.isPersistent() || !sessionStillRegistered) {
      delay = 0; // §3.1.3.2.2: sent at the latest when the session ends
    } else {
      delay = Math.min(delay, session.expiryIntervalSeconds());
    }
    if (delay == 0) {
      if (!takenOver && sessionStillRegistered) {
        // after a takeover the journal holds the new connection's will
        broker.sessionStore().willCleared(session.tenant(), session.clientId());
      }
      publish(broker, session, principal, will, v5);
      return;
    }
    if (takenOver) {
      return; // §3.1.2.5: a new connection came before the will delay passed
    }
    // kept with the session, so that a restart before the delay passed still publishes it
    Message stored = clusterWill(broker, session.clientId(), principal, will, v5);
    if (stored != null) {
      broker
          .sessionStore()
          .willScheduled(
              session.tenant(),
              session.clientId(),
              new SessionStore.StoredWill(System.currentTimeMillis() + delay * 1000, stored));
    }
    session.willTimer(
        broker
            .vertx()
            .setTimer(
                delay * 1000,
                t -> {
                  session.willTimer(-1);
                  broker.sessionStore().willCleared(session.tenant(), session.clientId());
                  publish(broker, session, principal, will, v5);
                }));
  }

  /**
   * Puts back the delayed will of a session restored at start-up: published when due (at once if
   * that passed while the node was down) unless the client comes back first. Its topic and the ACL
   * were checked when it was stored.
   */
  static void restore(Broker broker, Session session, SessionStore.StoredWill will) {
    if (will == null) {
      return;
    }
    // at least 1 ms: the timer fires after every stored session (and its subscriptions) is back
    long delay = Math.max(1, will.dueAtMillis() - System.currentTimeMillis());
    session.willTimer(
        broker
            .vertx()
            .setTimer(
                delay,
                t -> {
                  session.willTimer(-1);
                  broker.sessionStore().willCleared(session.tenant(), session.clientId());
                  broker.route(will.message());
                }));
  }

  /**
   * A connection of a persistent session was accepted: its will (or that it has none) goes to the
   * session store, so that a crash of the node still publishes it after the next start.
   */
  static void arm(Broker broker, Session session, Principal principal, MqttWill will, boolean v5) {
    if (!session.isPersistent()) {
      return;
    }
    Message message = clusterWill(broker, session.clientId(), principal, will, v5);
    if (message == null) {
      broker.sessionStore().willCleared(session.tenant(), session.clientId());
      return;
    }
    long delay =
        v5
            ? Math.min(
                Mqtt5Properties.integer(
                    will.getWillProperties(), MqttPropertyType.WILL_DELAY_INTERVAL, 0),
                session.expiryIntervalSeconds())
            : 0;
    broker.sessionStore().willArmed(session.tenant(), session.clientId(), delay * 1000, message);
  }

  /** The client is back: its delayed will is not published (MQTT 5.0 §3.1.3.2.2). */
  static void cancel(Broker broker, Session session) {
    if (session.willTimer() >= 0) {
      broker.vertx().cancelTimer(session.willTimer());
      session.willTimer(-1);
      broker.sessionStore().willCleared(session.tenant(), session.clientId());
    }
  }

  private static void publish(
      Broker broker, Session session, Principal principal, MqttWill will, boolean v5) {
    if (!broker.acl().mayPublish(principal, will.getWillTopic())) {
      broker.metrics().publishDenied.increment();
      return;
    }
    broker.route(message(session.clientId(), principal, will, v5));
  }

  /**
   * The will of a connection as a message, or {@code null} when it has none, its topic is invalid
   * or the client may not publish to it: for the cluster's client directory, so that another node
   * can publish it if this one dies.
   */
  static Message clusterWill(
      Broker broker, String clientId, Principal principal, MqttWill will, boolean v5) {
    if (will == null
        || !will.isWillFlag()
        || io.busbar.verticles.mqtt.topic.TopicNames.checkName(
                will.getWillTopic(),
                broker.config().maxTopicLength(),
                broker.config().maxTopicLevels())
            .isPresent()
        || !broker.acl().mayPublish(principal, will.getWillTopic())) {
      return null;
    }
    return message(clientId, principal, will, v5);
  }

  private static Message message(String clientId, Principal principal, MqttWill will, boolean v5) {
    String topic = will.getWillTopic();
    MqttProperties props = MqttProperties.NO_PROPERTIES;
    long expiresAt = Long.MAX_VALUE;
    if (v5 && will.getWillProperties() != null) {
      props = new MqttProperties();
      for (MqttProperties.MqttProperty<?> p : will.getWillProperties().listAll()) {
        if (p.propertyId() != MqttPropertyType.WILL_DELAY_INTERVAL.value()) {
          props.add(p);
        }
      }
      long expiry =
          Mqtt5Properties.integer(props, MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL, -1);
      if (expiry >= 0) {
        expiresAt = System.currentTimeMillis() + expiry * 1000;
      }
    }
    Buffer payload = will.getWillMessage() == null ? Buffer.buffer() : will.getWillMessage();
    return new Message(
        principal.tenant(),
        topic,
        payload,
        will.getWillQos(),
        will.isWillRetain(),
        props,
        clientId,
        expiresAt);
  }
}
