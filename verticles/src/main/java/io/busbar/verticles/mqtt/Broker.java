package io.busbar.verticles.mqtt;

import io.busbar.security.TokenAuthenticator;
import io.busbar.security.acl.TopicAcl;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.SessionRegistry;
import io.vertx.core.Vertx;

/**
 * What every connection of one broker verticle shares; {@code cluster} is {@code null} on a node
 * that is not clustered; {@code deadlines} holds the token expiry of every connection on one timer.
 * All of it is used from the verticle's one event-loop context.
 */
record Broker(
    Vertx vertx,
    MqttConfig config,
    TokenAuthenticator authenticator,
    TopicAcl acl,
    SessionRegistry sessions,
    PostOffice postOffice,
    TelemetryIngest ingest,
    BrokerMetrics metrics,
    io.busbar.verticles.mqtt.session.QueueBudget queueBudget,
    io.busbar.verticles.mqtt.session.SessionStore sessionStore,
    io.busbar.verticles.mqtt.cluster.BrokerCluster cluster,
    Deadlines deadlines) {

  /**
   * Decodes a message on a decoder topic onto the event bus, then routes it to subscribers.
   *
   * @return the number of sessions it was handed to, and when a retained message is durable
   */
  io.busbar.verticles.mqtt.session.PostOffice.Routed route(
      io.busbar.verticles.mqtt.session.Message message) {
    String contentType =
        Mqtt5Properties.string(
            message.properties(),
            io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.CONTENT_TYPE);
    io.vertx.core.Future<Void> taken =
        ingest.ingest(
            message.tenant(), message.topic(), message.payload(), contentType, message.qos());
    io.busbar.verticles.mqtt.session.PostOffice.Routed routed = postOffice.route(message);
    // the acknowledgement waits for durable retained/session writes and for the store to take
    // the reading (back-pressure from a full storage queue)
    if (taken.succeeded()) {
      return routed; // QoS 0, no decoder, or a dead letter: nothing more to wait for
    }
    io.vertx.core.Future<Void> stored =
        routed.stored() == null
            ? taken
            : io.vertx.core.Future.all(routed.stored(), taken).mapEmpty();
    return new io.busbar.verticles.mqtt.session.PostOffice.Routed(routed.receivers(), stored);
  }
}
