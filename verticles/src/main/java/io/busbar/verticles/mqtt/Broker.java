package io.busbar.verticles.mqtt;

import io.busbar.security.TokenAuthenticator;
import io.busbar.security.acl.TopicAcl;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.SessionRegistry;
import io.vertx.core.Vertx;

/**
 * What every connection of one broker verticle shares. All of it is used from the verticle's one
 * event-loop context.
 */
record Broker(
    Vertx vertx,
    MqttConfig config,
    TokenAuthenticator authenticator,
    TopicAcl acl,
    SessionRegistry sessions,
    PostOffice postOffice,
    TelemetryIngest ingest,
    BrokerMetrics metrics) {}
