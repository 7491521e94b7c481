package io.busbar.verticles.http;

import io.busbar.security.relay.RelayTrust;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT over WebSocket at {@code /mqtt} on the HTTP port: each accepted socket gets its own
 * WebSocket connection to the broker's MQTT over WebSocket listener, and bytes are piped both ways.
 * The broker does all of MQTT (CONNECT with the token, ACLs, sessions); this class only moves
 * bytes, which MQTT 5.0 §6.0 allows to be split across frames in any way. The upstream upgrade
 * request names the client's address with this node's relay secret ({@link
 * io.busbar.security.relay.RelayTrust}), so that the broker's per-source limits see the client, not
 * the relay.
 *
 * <p>Back-pressure: each direction pauses its source while the destination's write queue is full
 * and resumes it on drain. When either side closes, the other one is closed.
 *
 * <p>Metrics: {@code busbar.http.mqtt.ws.connections} (sockets relayed), {@code
 * busbar.http.mqtt.ws.active} (open now), {@code busbar.http.mqtt.ws.refused} tagged {@code reason}
 * = {@code subprotocol} (not {@code mqtt}: 400), {@code upgrade} (not a WebSocket upgrade: 400) or
 * {@code upstream} (broker listener unreachable: 503).
 *
 * <p>Runs on the HTTP verticle's event loop.
 */
final class MqttWebSocketRelay {

  /** The WebSocket sub-protocol of MQTT 3.1.1 and 5.0 (MQTT 5.0 §6.0). */
  static final String SUBPROTOCOL = "mqtt";

  private static final Logger LOG = LoggerFactory.getLogger(MqttWebSocketRelay.class);

  private final WebSocketClient client;
  private final String upstreamHost;
  private final int upstreamPort;
  private final Counter connections;
  private final Counter badSubprotocol;
  private final Counter notUpgrade;
  private final Counter upstreamDown;
  private final AtomicInteger active = new AtomicInteger();

  MqttWebSocketRelay(
      WebSocketClient client, String upstreamHost, int upstreamPort, MeterRegistry registry) {
    this.client = client;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
    this.connections = registry.counter("busbar.http.mqtt.ws.connections");
    this.badSubprotocol = registry.counter("busbar.http.mqtt.ws.refused", "reason", "subprotocol");
    this.notUpgrade = registry.counter("busbar.http.mqtt.ws.refused", "reason", "upgrade");
    this.upstreamDown = registry.counter("busbar.http.mqtt.ws.refused", "reason", "upstream");
    Gauge.builder("busbar.http.mqtt.ws.active", active, AtomicInteger::get).register(registry);
  }

  /** Handles {@code GET /mqtt}: refuses, or upgrades and relays. */
  void handle(RoutingContext ctx) {
    String upgrade = ctx.request().getHeader(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      notUpgrade.increment();
      refuse(ctx, 400, "WebSocket upgrade expected at /mqtt");
      return;
    }
    if (!offersMqtt(ctx.request().getHeader("Sec-WebSocket-Protocol"))) {
      // MQTT 5.0 §6.0: the client MUST include "mqtt" in the list of WebSocket sub-protocols
      badSubprotocol.increment();
      refuse(ctx, 400, "WebSocket sub-protocol \"mqtt\" expected at /mqtt");
      return;
    }
    // connect upstream first, so that a broker that cannot take the socket is a 503, not an
    // accepted socket closed at once; the request stays paused meanwhile, or its end would be
    // read and the upgrade refused
    ctx.request().pause();
    client
        .connect(
            new WebSocketConnectOptions()
                .setHost(upstreamHost)
                .setPort(upstreamPort)
                .setURI("/mqtt")
                .addSubProtocol(SUBPROTOCOL)
                // the broker sees the relay's loopback address: tell it the client's, so its
                // per-source limits apply per client (believed only with this node's secret)
                .addHeader(RelayTrust.FORWARDED_FOR, ctx.request().remoteAddress().hostAddress())
                .addHeader(RelayTrust.SECRET_HEADER, RelayTrust.secret()))
        .onFailure(
            e -> {
              upstreamDown.increment();
              LOG.debug("MQTT over WebSocket upstream unreachable: {}", e.toString());
              refuse(ctx, 503, "MQTT broker unavailable");
            })
        .onSuccess(upstream -> accept(ctx, upstream));
  }

  private void accept(RoutingContext ctx, WebSocket upstream) {
    upstream.pause();
    Future<ServerWebSocket> upgraded = ctx.request().toWebSocket();
    upgraded
        .onFailure(
            e -> {
              notUpgrade.increment();
              upstream.close();
              refuse(ctx, 400, "WebSocket upgrade failed at /mqtt");
            })
        .onSuccess(
            socket -> {
              connections.increment();
              active.incrementAndGet();
              // a client gone without a WebSocket close frame (TCP reset, killed process) ends
              // no stream: only its close handler runs, and it must close the broker side, or the
              // broker would keep the MQTT connection (and its will) until the keep-alive ran out
              socket.closeHandler(
                  v -> {
                    active.decrementAndGet();
                    if (!upstream.isClosed()) {
                      upstream.close();
                    }
                  });
              upstream.closeHandler(
                  v -> {
                    if (!socket.isClosed()) {
                      socket.close();
                    }
                  });
              relay(socket, upstream);
              relay(upstream, socket);
              upstream.resume();
            });
  }

  /**
   * Moves every frame's bytes from {@code from} to {@code to}, pausing {@code from} while {@code
   * to}'s write queue is full, and closes {@code to} when {@code from} ends. Not a {@link
   * io.vertx.core.streams.Pipe}: a pipe asks a closed WebSocket whether its queue is full, which
   * throws when the broker still sends while the client is already gone.
   */
  private static void relay(WebSocketBase from, WebSocketBase to) {
    from.handler(
        data -> {
          if (to.isClosed()) {
            return; // the other side is gone; its close ends this side too
          }
          to.write(data);
          if (to.writeQueueFull()) {
            from.pause();
            to.drainHandler(v -> from.resume());
          }
        });
    from.exceptionHandler(e -> LOG.debug("MQTT over WebSocket relay: {}", e.toString()));
    from.endHandler(
        v -> {
          if (!to.isClosed()) {
            to.close();
          }
        });
  }

  /** Whether a {@code Sec-WebSocket-Protocol} header lists {@code mqtt} (RFC 6455 §11.3.4). */
  static boolean offersMqtt(String header) {
    if (header == null) {
      return false;
    }
    for (String protocol : header.split(",")) {
      if (protocol.trim().equals(SUBPROTOCOL)) {
        return true;
      }
    }
    return false;
  }

  private static void refuse(RoutingContext ctx, int status, String message) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).end(message);
    }
  }
}
