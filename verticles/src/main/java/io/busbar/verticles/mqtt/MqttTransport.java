package io.busbar.verticles.mqtt;

import io.busbar.security.tls.TlsConfig;
import io.busbar.security.tls.TlsOptions;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;

/**
 * One MQTT listener's server socket, on Netty directly: accepts and serves every connection on the
 * broker verticle's event loop, so all broker state stays on one thread and a new connection is not
 * handed from an acceptor thread to the loop (a task and a wake-up per accept; measured, 20 % of
 * the CPU of a connection storm). The caller adds the MQTT part of each connection's pipeline after
 * the transport's own handlers: none for plain TCP, an {@link SslHandler} named {@value
 * #SSL_HANDLER} for TLS, the HTTP upgrade and WebSocket framing for MQTT over WebSocket (MQTT 5.0
 * §6). In every case the MQTT handlers see a plain byte stream of MQTT packets.
 *
 * <p>Why not a Vert.x {@code NetServer}: per connection it builds a socket object, a context
 * dispatch and close promises the broker does not use; measured, a bare {@code NetServer} costs
 * 1.5–1.7× the CPU per CONNECT of a bare Netty server, which costs what Mosquitto does
 * (perf/RESULTS.md, "Observations of 2026-12-02 07:20").
 *
 * <p>Threads: {@link #listen}, {@link #updateSsl} and {@link #close} are called on the broker
 * verticle's context; certificate files are read on a worker.
 */
final class MqttTransport {

  /** The name of the {@link SslHandler} in a TLS connection's pipeline (client certificates). */
  static final String SSL_HANDLER = "ssl";

  /** The WebSocket path of MQTT over WebSocket (the HTTP port's relay connects to it). */
  static final String WEBSOCKET_PATH = "/mqtt";

  /** The WebSocket sub-protocol of MQTT 3.1.1 and 5.0 (MQTT 5.0 §6.0). */
  static final String WEBSOCKET_SUBPROTOCOL = "mqtt";

  /**
   * On a WebSocket connection: the headers of its upgrade request, set when the handshake completes
   * and so before the first MQTT byte reaches the MQTT handlers (for {@code
   * RelayTrust.relayedAddress}).
   */
  static final AttributeKey<MultiMap> UPGRADE_HEADERS =
      AttributeKey.valueOf(MqttTransport.class, "upgradeHeaders");

  /** The most an upgrade request may carry besides its headers (it carries nothing). */
  private static final int MAX_UPGRADE_CONTENT = 8192;

  private static final Map<io.vertx.core.http.ClientAuth, ClientAuth> CLIENT_AUTH =
      Map.of(
          io.vertx.core.http.ClientAuth.NONE, ClientAuth.NONE,
          io.vertx.core.http.ClientAuth.REQUEST, ClientAuth.OPTIONAL,
          io.vertx.core.http.ClientAuth.REQUIRED, ClientAuth.REQUIRE);

  private enum Kind {
    TCP,
    TLS,
    WEBSOCKET
  }

  private final Kind kind;
  private final String host;
  private final int port;
  private final SSLEngineOptions engine;
  private final ServerSSLOptions initialSsl;
  private final int maxFrameSize;
  private Vertx vertx;
  private Channel server;

  /** TLS: what new connections handshake with, loaded at listen, replaced by {@link #updateSsl}. */
  private volatile Tls tls;

  private MqttTransport(
      Kind kind,
      String host,
      int port,
      SSLEngineOptions engine,
      ServerSSLOptions initialSsl,
      int maxFrame) {
    this.kind = kind;
    this.host = host;
    this.port = port;
    this.engine = engine;
    this.initialSsl = initialSsl;
    this.maxFrameSize = maxFrame;
  }

  /** Plain TCP on {@code host:port} (port 0: any free one). */
  static MqttTransport tcp(String host, int port) {
    return new MqttTransport(Kind.TCP, host, port, null, null, 0);
  }

  /**
   * MQTT over TLS on {@code host:port}: the certificate, key, trust, client authentication and
   * protocols of {@code config} ({@link TlsOptions#sslOptions}), on the engine it names. The files
   * are read when {@link #listen} is called, and again at each {@link #updateSsl}.
   *
   * @throws IllegalStateException when the config asks for OpenSSL and it cannot be loaded
   */
  static MqttTransport tls(String host, int port, TlsConfig config) {
    return new MqttTransport(
        Kind.TLS, host, port, TlsOptions.engine(config.engine()), TlsOptions.sslOptions(config), 0);
  }

  /**
   * MQTT over WebSocket (MQTT 5.0 §6) on {@code host:port}: an HTTP upgrade at {@value
   * #WEBSOCKET_PATH} with the sub-protocol {@value #WEBSOCKET_SUBPROTOCOL} (another path is a 404,
   * a request not offering {@code mqtt} a 400), then binary frames whose payloads are the MQTT byte
   * stream. A text frame closes the connection (MQTT 5.0 §6.0).
   *
   * @param maxFrameSize the largest WebSocket frame payload accepted, in bytes; a larger frame
   *     closes the connection (1009)
   */
  static MqttTransport webSocket(String host, int port, int maxFrameSize) {
    if (maxFrameSize <= 0) {
      throw new IllegalArgumentException("maxFrameSize must be positive, was " + maxFrameSize);
    }
    return new MqttTransport(Kind.WEBSOCKET, host, port, null, null, maxFrameSize);
  }

  /**
   * Binds the listener; for TLS, loads the certificate first (on a worker).
   *
   * @param context the broker verticle's context: its event loop serves the connections
   * @param mqtt adds the MQTT handlers to a new connection's pipeline (called on the event loop)
   * @return the bound port; fails when the address cannot be bound or (TLS) the certificate, key or
   *     trust files do not load
   */
  Future<Integer> listen(Context context, Consumer<Channel> mqtt) {
    ContextInternal ctx = (ContextInternal) context;
    vertx = ctx.owner();
    Future<Void> ready =
        kind == Kind.TLS ? updateSsl(initialSsl).<Void>mapEmpty() : Future.succeededFuture();
    return ready.compose(v -> bind(ctx, mqtt));
  }

  private Future<Integer> bind(ContextInternal ctx, Consumer<Channel> mqtt) {
    VertxInternal owner = ctx.owner();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(ctx.nettyEventLoop(), ctx.nettyEventLoop())
            .channelFactory(owner.transport().serverChannelFactory(false))
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    switch (kind) {
                      case TLS -> tls.addTo(channel);
                      case WEBSOCKET -> addWebSocket(channel.pipeline(), maxFrameSize);
                      case TCP -> {}
                    }
                    mqtt.accept(channel);
                  }
                });
    // a restarted node binds its port again at once; connections keep Netty's defaults
    // (TCP_NODELAY on): Vert.x's server options would cost four more setsockopt calls per accept
    bootstrap.option(ChannelOption.SO_REUSEADDR, true);
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

  /**
   * Replaces the TLS certificate (and trust, client authentication, protocols) of new connections;
   * open connections keep the session they negotiated. For {@code TlsListener.watch}.
   *
   * @return true once the new context serves; fails when the files do not load (a broken or
   *     mismatched pair), and the previous context keeps serving
   * @throws IllegalStateException when this is not a TLS transport or is not listening
   */
  Future<Boolean> updateSsl(ServerSSLOptions options) {
    if (kind != Kind.TLS || vertx == null) {
      throw new IllegalStateException("updateSsl needs a listening TLS transport");
    }
    ServerSSLOptions copy = options.copy(); // Vert.x's key options cache what they read
    return vertx
        .executeBlocking(() -> load(vertx, engine, copy), false)
        .map(
            loaded -> {
              tls = loaded;
              return true;
            });
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

  // ---- TLS ----

  /** A loaded server context, the protocols its engines get and the handshake timeout. */
  private record Tls(SslContext context, String[] protocols, long timeout, TimeUnit timeoutUnit) {

    void addTo(Channel channel) {
      SslHandler handler = context.newHandler(channel.alloc());
      handler.setHandshakeTimeout(timeout, timeoutUnit);
      handler.engine().setEnabledProtocols(protocols);
      channel.pipeline().addLast(SSL_HANDLER, handler);
    }
  }

  /**
   * Builds the server context as a Vert.x server would: the engine's {@link SslContextFactory} with
   * the options' key and trust managers, client authentication and cipher suites; and refuses a key
   * that does not match its certificate ({@link TlsOptions#requireMatchingKeys}), which an engine
   * would take and then fail every handshake with. Blocking (reads the files).
   */
  private static Tls load(Vertx vertx, SSLEngineOptions engine, ServerSSLOptions options)
      throws Exception {
    KeyManagerFactory keys = options.getKeyCertOptions().getKeyManagerFactory(vertx);
    TlsOptions.requireMatchingKeys(keys);
    SslContextFactory factory =
        engine
            .sslContextFactory()
            .forClient(false)
            .useAlpn(false)
            .clientAuth(CLIENT_AUTH.get(options.getClientAuth()))
            .enabledCipherSuites(options.getEnabledCipherSuites())
            .keyMananagerFactory(keys);
    if (options.getTrustOptions() != null) {
      factory.trustManagerFactory(options.getTrustOptions().getTrustManagerFactory(vertx));
    }
    SslContext context = factory.create();
    // the factory cannot restrict protocols: each engine gets the wanted ones it supports, as
    // Vert.x does
    SSLEngine probe = context.newEngine(ByteBufAllocator.DEFAULT);
    Set<String> wanted = options.getEnabledSecureTransportProtocols();
    String[] protocols =
        Arrays.stream(probe.getSupportedProtocols())
            .filter(wanted::contains)
            .toArray(String[]::new);
    ReferenceCountUtil.release(probe);
    return new Tls(
        context, protocols, options.getSslHandshakeTimeout(), options.getSslHandshakeTimeoutUnit());
  }

  // ---- WebSocket ----

  private static void addWebSocket(ChannelPipeline pipeline, int maxFrameSize) {
    pipeline.addLast("http", new HttpServerCodec());
    pipeline.addLast("http-aggregator", new HttpObjectAggregator(MAX_UPGRADE_CONTENT));
    pipeline.addLast("ws-upgrade", new UpgradeFilter());
    pipeline.addLast(
        "ws",
        new WebSocketServerProtocolHandler(
            WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WEBSOCKET_PATH)
                .checkStartsWith(true) // "/mqtt?…" too: UpgradeFilter refuses "/mqtt/…"
                .subprotocols(WEBSOCKET_SUBPROTOCOL)
                .maxFramePayloadLength(maxFrameSize)
                .allowExtensions(false)
                .sendCloseFrame(WebSocketCloseStatus.NORMAL_CLOSURE)
                .build()));
    pipeline.addLast("ws-frames", new FrameBytes());
  }

  /**
   * Lets through only an upgrade request for {@value #WEBSOCKET_PATH} offering the {@code mqtt}
   * sub-protocol (MQTT 5.0 §6.0: the client MUST offer it), then leaves the pipeline.
   */
  private static final class UpgradeFilter extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof FullHttpRequest request)) {
        ctx.fireChannelRead(msg);
        return;
      }
      String path = new QueryStringDecoder(request.uri()).path();
      HttpResponseStatus refusal = null;
      String reason = null;
      if (!WEBSOCKET_PATH.equals(path)) {
        refusal = HttpResponseStatus.NOT_FOUND;
        reason = "MQTT over WebSocket is at " + WEBSOCKET_PATH;
      } else if (!offersMqtt(request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL))) {
        refusal = HttpResponseStatus.BAD_REQUEST;
        reason = "WebSocket sub-protocol \"" + WEBSOCKET_SUBPROTOCOL + "\" expected";
      }
      if (refusal == null) {
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
        return;
      }
      ReferenceCountUtil.release(msg);
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              request.protocolVersion(),
              refusal,
              Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8));
      response
          .headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** Whether {@code Sec-WebSocket-Protocol} headers list {@code mqtt} (RFC 6455 §11.3.4). */
    private static boolean offersMqtt(Iterable<String> headers) {
      for (String header : headers) {
        for (String protocol : header.split(",")) {
          if (protocol.trim().equals(WEBSOCKET_SUBPROTOCOL)) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /**
   * Between WebSocket frames and the MQTT byte stream: binary and continuation frames in become
   * their payloads, byte buffers out become binary frames. A text frame closes the connection (MQTT
   * 5.0 §6.0). Sets {@link #UPGRADE_HEADERS} when the handshake completes.
   */
  private static final class FrameBytes extends ChannelDuplexHandler {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
        ctx.fireChannelRead(((WebSocketFrame) msg).content());
      } else if (msg instanceof WebSocketFrame) {
        ReferenceCountUtil.release(msg);
        ctx.close();
      } else {
        ctx.fireChannelRead(msg);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        handshake.requestHeaders().forEach(h -> headers.add(h.getKey(), h.getValue()));
        ctx.channel().attr(UPGRADE_HEADERS).set(headers);
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      ctx.write(msg instanceof ByteBuf bytes ? new BinaryWebSocketFrame(bytes) : msg, promise);
    }
  }
}
