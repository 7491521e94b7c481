package io.busbar.verticles.mqtt;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.util.AttributeKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServerOptions;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * One MQTT listener's server socket, on Netty directly: accepts on Vert.x's acceptor threads and
 * serves every connection on the broker verticle's event loop, so all broker state stays on one
 * thread. The caller adds the MQTT part of each connection's pipeline after the transport's own
 * handlers (none for plain TCP).
 *
 * <p>Why not a Vert.x {@code NetServer}: per connection it builds a socket object, a context
 * dispatch and close promises the broker does not use; measured, a bare {@code NetServer} costs
 * 1.5–1.7× the CPU per CONNECT of a bare Netty server, which costs what Mosquitto does
 * (perf/RESULTS.md, "Observations of 2026-12-02 07:20").
 */
final class MqttTransport {

  /** The WebSocket upgrade request's headers, on a WebSocket listener's connections. */
  static final AttributeKey<MultiMap> UPGRADE_HEADERS =
      AttributeKey.valueOf("busbar.mqtt.upgradeHeaders");

  private final String host;
  private final int port;
  private Channel server;

  private MqttTransport(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /** Plain TCP on {@code host:port} (port 0: any free one). */
  static MqttTransport tcp(String host, int port) {
    return new MqttTransport(host, port);
  }

  /** MQTT over TLS (placeholder until the TLS transport lands). */
  static MqttTransport tls(
      String host,
      int port,
      io.busbar.security.tls.TlsListener listener,
      io.vertx.core.Vertx vertx) {
    throw new UnsupportedOperationException("TLS transport not yet");
  }

  /** MQTT over WebSocket at /mqtt (placeholder until the WebSocket transport lands). */
  static MqttTransport webSocket(String host, int port, int maxFrameSize) {
    throw new UnsupportedOperationException("WebSocket transport not yet");
  }

  /** A new certificate for new connections (placeholder). */
  Future<Boolean> updateSsl(io.vertx.core.net.ServerSSLOptions options) {
    return Future.failedFuture("TLS transport not yet");
  }

  /**
   * Binds the listener.
   *
   * @param context the broker verticle's context: its event loop serves the connections
   * @param mqtt adds the MQTT handlers to a new connection's pipeline (called on the event loop)
   * @return the bound port
   */
  Future<Integer> listen(Context context, Consumer<Channel> mqtt) {
    ContextInternal ctx = (ContextInternal) context;
    VertxInternal vertx = ctx.owner();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(vertx.acceptorEventLoopGroup(), ctx.nettyEventLoop())
            .channelFactory(vertx.transport().serverChannelFactory(false))
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    mqtt.accept(channel);
                  }
                });
    // Vert.x's server defaults: TCP_NODELAY, SO_REUSEADDR, its accept backlog
    vertx.transport().configure(new NetServerOptions(), false, bootstrap);
    Promise<Integer> bound = ctx.promise();
    ChannelFuture future = bootstrap.bind(host, port);
    future.addListener(
        f -> {
          if (f.isSuccess()) {
            server = future.channel();
            bound.complete(((InetSocketAddress) server.localAddress()).getPort());
          } else {
            bound.fail(f.cause());
          }
        });
    return bound.future();
  }

  /** Stops accepting; open connections are the broker's to end. */
  Future<Void> close() {
    if (server == null) {
      return Future.succeededFuture();
    }
    Promise<Void> closed = Promise.promise();
    server.close().addListener(f -> closed.complete());
    return closed.future();
  }
}
