package io.busbar.verticles.mqtt;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A server DISCONNECT that the client gets to read — the one way the broker ends a 5.0 connection
 * with a reason code. Closing a TCP connection while the client's packets are still unread in the
 * broker's receive buffer makes the kernel answer with a reset, and a reset may discard the
 * DISCONNECT (and its reason code) before the client reads it, or fail the client's next write. A
 * client that pipelines (a burst of PUBLISHes, PUBRELs answering PUBRECs) hits exactly that. So:
 * from the DISCONNECT on, everything the client sends is read and discarded; the DISCONNECT is
 * written, the broker's side of the connection is shut down (the client reads the DISCONNECT, then
 * end of stream), and the connection is closed when the client closes its side or {@link
 * #LINGER_MILLIS} after the DISCONNECT, whichever comes first (MQTT 5.0 §4.13.2: the sender of a
 * DISCONNECT closes the connection). A close asked for by anyone else in the meantime — after a
 * decoder failure, the keep-alive timer, the listener closing at shutdown — waits for that too, so
 * the bound holds for every one of them and none of them resets the connection early. Runs on the
 * connection's event loop.
 */
final class LingeringClose extends ChannelDuplexHandler {

  /** How long the client has to read the DISCONNECT and close its side. */
  static final long LINGER_MILLIS = 2000;

  private static final String NAME = "busbarLingeringClose";

  private LingeringClose() {}

  /**
   * Sends a 5.0 DISCONNECT with {@code reasonCode} and {@code properties} and closes {@code
   * channel} as described above. The connection's close handler runs when it is finally closed.
   *
   * @return a future completed when the connection is closed, at the latest {@link #LINGER_MILLIS}
   *     from now; it never fails
   */
  static Future<Void> disconnect(Channel channel, byte reasonCode, MqttProperties properties) {
    Promise<Void> closed = Promise.promise();
    channel.closeFuture().addListener(f -> closed.tryComplete());
    if (channel.pipeline().get(NAME) != null || !channel.isActive()) {
      return closed.future(); // already lingering (one DISCONNECT per connection) or gone
    }
    channel.pipeline().addFirst(NAME, new LingeringClose());
    // the bound starts now, not once the DISCONNECT is written: a client that reads nothing may
    // never let it be written
    ScheduledFuture<?> bound =
        channel
            .eventLoop()
            .schedule(
                () -> channel.unsafe().close(channel.voidPromise()),
                LINGER_MILLIS,
                TimeUnit.MILLISECONDS);
    channel.closeFuture().addListener(f -> bound.cancel(false));
    MqttMessage disconnect =
        new MqttMessage(
            new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
            new MqttReasonCodeAndPropertiesVariableHeader(reasonCode, properties));
    channel
        .writeAndFlush(disconnect)
        .addListener(
            written -> {
              if (written.isSuccess() && channel instanceof DuplexChannel duplex) {
                SslHandler tls = channel.pipeline().get(SslHandler.class);
                if (tls == null) {
                  duplex.shutdownOutput();
                } else {
                  // TLS: close_notify first, so the client sees an orderly end, not a truncation
                  tls.closeOutbound().addListener(f -> duplex.shutdownOutput());
                }
              } else {
                channel.unsafe().close(channel.voidPromise());
              }
            });
    return closed.future();
  }

  /** What arrives after the DISCONNECT is released unread. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  /**
   * A close asked for through the pipeline is done when the lingering one is: at the latest {@link
   * #LINGER_MILLIS} after the DISCONNECT.
   */
  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    ctx.channel()
        .closeFuture()
        .addListener(
            f -> {
              if (!promise.isVoid()) {
                promise.trySuccess();
              }
            });
  }
}
