/**
 * The MQTT broker verticle: MQTT 3.1.1 and 5.0 on vertx-mqtt (TCP, and optionally WebSocket at
 * {@code /mqtt}), JWT authentication on CONNECT, topic ACLs, routing to subscribers per tenant,
 * retained messages, QoS 0/1/2, persistent sessions, wills, MQTT 5 features, limits, {@code $SYS}
 * statistics, and decoding of telemetry topics onto the event bus. The verticle and its connection
 * handlers are thin: protocol state lives in {@link io.busbar.verticles.mqtt.session}, topic rules
 * in {@link io.busbar.verticles.mqtt.topic}, durable stores in {@link
 * io.busbar.verticles.mqtt.store}.
 *
 * <p>Threading: deploy one instance. Everything here runs on the broker verticle's one event-loop
 * context; token validation futures and store writes are brought back to it before they touch any
 * state.
 *
 * <p>Durability (with {@link io.busbar.verticles.mqtt.MqttConfig#dataDir()} set): retained messages
 * and persistent sessions (expiry, subscriptions, queued and unacknowledged QoS 1/2 messages) are
 * journaled; a publisher's PUBACK/PUBREC is sent only after the retained store and every persistent
 * subscriber's session store have forced the message to disk. After a restart or {@code kill -9},
 * nothing so acknowledged is lost; QoS 1/2 messages in flight are sent again (under new packet ids,
 * except QoS 2 messages already released with PUBREC, which resume with PUBREL), session expiry
 * counts again from the restart, and the incoming QoS 2 packet ids of a session are not kept.
 * Without a data directory everything lives in memory.
 */
package io.busbar.verticles.mqtt;
