/**
 * Broker state as plain Java: sessions with their subscriptions, in-flight windows and bounded
 * queues, the registry of sessions, the post office that routes a PUBLISH to the sessions whose
 * filters match, and the store interfaces behind which state is kept durable ({@link
 * io.busbar.verticles.mqtt.session.RetainedStore}, {@link
 * io.busbar.verticles.mqtt.session.SessionStore}) with their memory implementations.
 *
 * <p>Threading: not thread-safe. The broker verticle owns one instance of everything here and uses
 * it only from its own event-loop context, so a session's state needs no locks.
 */
package io.busbar.verticles.mqtt.session;
