/**
 * The HTTP side of a node: {@code /health}, {@code /ready}, {@code /metrics}, the JWKS, the REST
 * API ({@code /api/v1/…}) over the analytics and storage verticles, device ingest over HTTP ({@code
 * DeviceIngest}: readings decoded by the broker's decoder table and offered to the store as MQTT
 * telemetry is), the {@code /ws} live stream and the dashboard in {@code webroot/}, and MQTT over
 * WebSocket at {@code /mqtt}, relayed byte for byte to the broker's own WebSocket listener ({@code
 * MqttWebSocketRelay}).
 *
 * <p>Everything here runs on the {@link io.busbar.verticles.http.HttpVerticle}'s event loop: the
 * router, the {@code busbar.events} consumer and the WebSocket handlers. It reaches other verticles
 * only through event-bus requests ({@link io.busbar.codecs.bus.Addresses}), never blocks, and turns
 * every failure into an RFC 7807 problem at the edge. Parameter parsing ({@code QueryParameters},
 * {@code TelemetryQuery}) and error mapping ({@link io.busbar.verticles.http.Problem}) are plain
 * Java.
 */
package io.busbar.verticles.http;
