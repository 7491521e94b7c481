/**
 * The MQTT broker verticle: MQTT 3.1.1 and 5.0 on its own Netty pipeline (TCP, TLS, and WebSocket
 * at {@code /mqtt}), JWT authentication on CONNECT, topic ACLs, routing to subscribers per tenant,
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
 * counts again from the restart. The packet ids of incoming QoS 2 PUBLISHes awaiting PUBREL are on
 * disk before their PUBREC (and their release before PUBCOMP), so a PUBLISH the client resends
 * after a crash is not routed twice; a will waiting for its will delay is kept with its due time
 * and published after a restart when due, unless its client came back; the will of a persistent
 * session's connection that is live when the node dies is published its will delay after the next
 * start (a graceful stop sends DISCONNECT 0x8B and publishes no will). (A crash between routing a
 * QoS 2 message and writing its packet id, before PUBREC was sent, may still route the resend
 * again: that copy was never acknowledged.) Without a data directory everything lives in memory.
 *
 * <p>{@link io.busbar.verticles.mqtt.MqttTransport} accepts connections and serves them on the
 * broker's event loop; {@link io.busbar.verticles.mqtt.MqttEndpoint} (after Netty's MQTT codec)
 * reads the CONNECT and the client's packets and writes the broker's; a relayed {@code /mqtt}
 * connection's client address comes from the HTTP relay ({@link
 * io.busbar.security.relay.RelayTrust}).
 */
package io.busbar.verticles.mqtt;
