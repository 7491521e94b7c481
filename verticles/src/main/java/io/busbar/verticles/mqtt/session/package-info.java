/**
 * Broker state as plain Java: sessions with their subscriptions, in-flight windows and offline
 * queues, the registry of sessions, the retained-message store and the post office that routes a
 * PUBLISH to the sessions whose filters match. State sits behind small store interfaces ({@link
 * io.busbar.verticles.mqtt.session.RetainedStore}) with memory implementations for now.
 *
 * <p>Threading: not thread-safe. The broker verticle owns one instance of everything here and uses
 * it only from its own event-loop context, so a session's state needs no locks.
 */
package io.busbar.verticles.mqtt.session;
