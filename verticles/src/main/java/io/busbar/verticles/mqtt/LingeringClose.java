package io.busbar.verticles.mqtt;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.net.NetSocketInternal;
import java.util.concurrent.TimeUnit;

/**
 * A server DISCONNECT that the client gets to read. Closing a TCP connection while the client's
 * packets are still unread in the broker's receive buffer makes the kernel answer with a reset, and
 * a reset may discard the DISCONNECT (and its reason code) before the client reads it, or fail the
 * client's next write. A client that pipelines, as one exceeding its Receive Maximum does, hits
 * exactly that. So: from the DISCONNECT on, everything the client sends is read and discarded; the
 * DISCONNECT is written, the broker's side of the connection is shut down (the client reads the
 * DISCONNECT, then end of stream), and the connection is closed when the client closes its side or
 * after {@link #LINGER_MILLIS}, whichever comes first (MQTT 5.0 §4.13.2: the sender of a DISCONNECT
 * closes the connection). Runs on the connection's event loop.
 */
final class LingeringClose {

  /** How long the client has to read the DISCONNECT and close its side. */
  static final long LINGER_MILLIS = 2000;

  private static final String DISCARD = "busbarDiscardAfterDisconnect";

  private LingeringClose() {}

  /**
   * Sends a 5.0 DISCONNECT with {@code reasonCode} and {@code properties} and closes {@code socket}
   * as described above. The connection's close handler runs when it is finally closed.
   */
  static void disconnect(NetSocketInternal socket, byte reasonCode, MqttProperties properties) {
    Channel channel = socket.channelHandlerContext().channel();
    if (channel.pipeline().get(DISCARD) == null) {
      channel.pipeline().addFirst(DISCARD, new DiscardInbound());
    }
    MqttMessage disconnect =
        new MqttMessage(
            new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
            new MqttReasonCodeAndPropertiesVariableHeader(reasonCode, properties));
    socket
        .writeMessage(disconnect)
        .onComplete(
            written -> {
              if (written.succeeded() && channel instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                channel
                    .eventLoop()
                    .schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
              } else {
                channel.close();
              }
            });
  }

  /** First in the pipeline: what arrives after the DISCONNECT is released unread. */
  private static final class DiscardInbound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }
  }
}
