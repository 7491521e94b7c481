/**
 * MQTT topic rules as plain Java: validation of topic names and filters (MQTT 3.1.1 §4.7, 5.0 §4.7)
 * and the subscription trie that matches a topic name to the filters subscribed to it. No Vert.x
 * types; not thread-safe: the broker uses each instance from its one event-loop context.
 */
package io.busbar.verticles.mqtt.topic;
