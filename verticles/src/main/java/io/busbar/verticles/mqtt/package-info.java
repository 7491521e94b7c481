/**
 * The MQTT broker verticle: MQTT 3.1.1 and 5.0 on vertx-mqtt, JWT authentication on CONNECT, topic
 * ACLs, routing to subscribers per tenant, retained messages, QoS 0/1/2, and decoding of telemetry
 * topics onto the event bus. The verticle and its connection handlers are thin: protocol state
 * lives in {@link io.busbar.verticles.mqtt.session} and topic rules in {@link
 * io.busbar.verticles.mqtt.topic}.
 *
 * <p>Threading: everything here runs on the broker verticle's one event-loop context; token
 * validation futures are brought back to it before they touch any state.
 */
package io.busbar.verticles.mqtt;
