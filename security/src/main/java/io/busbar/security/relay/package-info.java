/**
 * Which forwarded client addresses a node believes: the HTTP port's {@code /mqtt} relay vouches for
 * the real address of the WebSocket clients it hands to the broker. Plain Java, thread-safe; called
 * on the event loop that accepts the connection.
 */
package io.busbar.security.relay;
