package io.busbar.verticles.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adjusts a 5.0 CONNECT before vertx-mqtt reads it, where vertx-mqtt decides on its own:
 *
 * <ul>
 *   <li><b>Server Keep Alive</b> (MQTT 5.0 §3.2.2.3.14): a keep alive above the configured maximum,
 *       or 0 (none), is replaced by the maximum, so that vertx-mqtt's idle handler closes the
 *       connection after 1.5× the server's value; {@link ConnectHandler} tells the client in the
 *       CONNACK. 3.1.1 has no such property: its clients keep their value.
 *   <li><b>Zero-length client id with clean start 0</b> (MQTT 5.0 §3.1.3.1): allowed in 5.0, the
 *       server assigns an id, but vertx-mqtt refuses it (0x85). The id is assigned here and
 *       remembered until {@link #claimAssigned} tells {@link ConnectHandler} (which answers with
 *       Assigned Client Identifier). 3.1.1 still gets vertx-mqtt's 0x02 ([MQTT-3.1.3-8]).
 *   <li><b>Password without user name</b> (MQTT 5.0 §3.1.2.9): allowed in 5.0 (a device may send
 *       only its JWT); vertx-mqtt drops credentials without a user name, so an empty one is set.
 * </ul>
 *
 * <p>vertx-mqtt offers no hook on a connection's pipeline, so {@link #create} gives it a view of
 * Vert.x whose {@code NetServer} runs vertx-mqtt's own connect handler first and then puts this
 * handler between the MQTT decoder and Vert.x. The handler leaves the pipeline after the first
 * packet. Runs on the listener's event loop (the broker verticle's).
 */
@ChannelHandler.Sharable
final class ConnectRewriter extends ChannelInboundHandlerAdapter {

  static final String NAME = "busbarConnectRewriter";

  /** Prefix of the client ids the broker assigns. */
  static final String ASSIGNED_PREFIX = "auto-";

  private final int serverKeepAliveSeconds;

  /** Ids assigned here and not yet claimed by {@link ConnectHandler}: a handful at most. */
  private final Set<String> assigned = ConcurrentHashMap.newKeySet();

  /**
   * @param serverKeepAliveSeconds the longest keep alive a 5.0 client may use; 0 accepts any
   */
  ConnectRewriter(int serverKeepAliveSeconds) {
    this.serverKeepAliveSeconds = serverKeepAliveSeconds;
  }

  /** An MQTT server whose connections get this handler. */
  MqttServer create(Vertx vertx, MqttServerOptions options) {
    return MqttServer.create(hooked((VertxInternal) vertx), options);
  }

  /**
   * Whether {@code clientId} was assigned here (and forgets it): the CONNECT had a zero-length id.
   */
  boolean claimAssigned(String clientId) {
    return clientId != null && clientId.startsWith(ASSIGNED_PREFIX) && assigned.remove(clientId);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof MqttMessage) {
      ctx.pipeline().remove(this); // only the first packet is a CONNECT
    }
    if (msg instanceof MqttConnectMessage connect && connect.decoderResult().isSuccess()) {
      msg = rewrite(connect);
    }
    ctx.fireChannelRead(msg);
  }

  private MqttConnectMessage rewrite(MqttConnectMessage connect) {
    MqttConnectVariableHeader h = connect.variableHeader();
    if (h.version() != 5) {
      return connect;
    }
    int keepAlive = h.keepAliveTimeSeconds();
    if (serverKeepAliveSeconds > 0 && (keepAlive == 0 || keepAlive > serverKeepAliveSeconds)) {
      keepAlive = serverKeepAliveSeconds;
    }
    MqttConnectPayload p = connect.payload();
    String clientId = p.clientIdentifier();
    if ((clientId == null || clientId.isEmpty()) && !h.isCleanSession()) {
      clientId = ASSIGNED_PREFIX + UUID.randomUUID();
      assigned.add(clientId);
    }
    // a 5.0 password may come without a user name (§3.1.2.9); vertx-mqtt reads the credentials
    // only when both are present, so the token would be lost: an empty user name stands in
    boolean passwordOnly = h.hasPassword() && !h.hasUserName();
    if (keepAlive == h.keepAliveTimeSeconds()
        && clientId == p.clientIdentifier()
        && !passwordOnly) {
      return connect;
    }
    return new MqttConnectMessage(
        connect.fixedHeader(),
        new MqttConnectVariableHeader(
            h.name(),
            h.version(),
            h.hasUserName() || passwordOnly,
            h.hasPassword(),
            h.isWillRetain(),
            h.willQos(),
            h.isWillFlag(),
            h.isCleanSession(),
            keepAlive,
            h.properties()),
        new MqttConnectPayload(
            clientId,
            p.willProperties(),
            p.willTopic(),
            p.willMessageInBytes(),
            passwordOnly ? "" : p.userName(),
            p.passwordInBytes()));
  }

  private void install(NetSocket socket) {
    ChannelPipeline pipeline = ((NetSocketInternal) socket).channelHandlerContext().pipeline();
    if (pipeline.get("handler") != null && pipeline.get(NAME) == null) {
      pipeline.addBefore("handler", NAME, this);
    }
  }

  // ---- the view of Vert.x that hooks the NetServer's connect handler ----

  private VertxInternal hooked(VertxInternal vertx) {
    return proxy(
        vertx,
        (proxy, method, args) -> {
          Object result = call(vertx, method, args);
          return "createNetServer".equals(method.getName()) && result instanceof NetServer server
              ? hooked(server)
              : result;
        },
        VertxInternal.class);
  }

  private Object hooked(NetServer server) {
    return proxy(
        server,
        (proxy, method, args) -> {
          if ("connectHandler".equals(method.getName()) && args != null && args.length == 1) {
            @SuppressWarnings("unchecked")
            Handler<NetSocket> mqtt = (Handler<NetSocket>) args[0];
            call(
                server,
                method,
                new Object[] {
                  (Handler<NetSocket>)
                      socket -> {
                        mqtt.handle(socket); // vertx-mqtt builds its pipeline
                        install(socket);
                      }
                });
            return proxy;
          }
          Object result = call(server, method, args);
          return result == server ? proxy : result;
        },
        interfaces(server.getClass()));
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Object target, InvocationHandler handler, Class<?>... interfaces) {
    return (T) Proxy.newProxyInstance(target.getClass().getClassLoader(), interfaces, handler);
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static Class<?>[] interfaces(Class<?> type) {
    Set<Class<?>> all = new LinkedHashSet<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Class<?> i : c.getInterfaces()) {
        all.add(i);
      }
    }
    return all.toArray(new Class<?>[0]);
  }
}
