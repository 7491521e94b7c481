package io.busbar.perf.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;

/**
 * One MQTT 3.1.1 client connection of the generator: CONNECT/CONNACK, SUBSCRIBE/SUBACK, receiving
 * PUBLISH (answered with PUBACK for QoS 1, MQTT 3.1.1 §4.3.2, flushed once per read batch) and
 * PUBACKs for its {@link Publisher}. It is the last handler of its channel's pipeline.
 *
 * <p>Runs on the generator's event loop.
 */
public final class MqttLink extends ChannelInboundHandlerAdapter {

  /** A CONNECT or SUBSCRIBE the broker refused or never answered. */
  public static final class RefusedException extends RuntimeException {
    RefusedException(String message) {
      super(message);
    }
  }

  private final String clientId;
  private final CompletableFuture<MqttLink> connected = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private CompletableFuture<Void> subscribed;
  private Receiver receiver;
  private Publisher publisher;
  private Channel channel;
  private boolean ackPending;

  MqttLink(String clientId) {
    this.clientId = clientId;
  }

  public String clientId() {
    return clientId;
  }

  public Channel channel() {
    return channel;
  }

  /** Completes when the connection is gone, for whatever reason. */
  public CompletableFuture<Void> closed() {
    return closed;
  }

  CompletableFuture<MqttLink> connected() {
    return connected;
  }

  void attach(Publisher publisher) {
    this.publisher = publisher;
  }

  /**
   * Subscribes to one filter; deliveries go to {@code receiver}. Call from any thread.
   *
   * @return completes when the SUBACK grants the subscription; fails with {@link RefusedException}
   *     on a failure return code (0x80) or a closed connection
   */
  public CompletableFuture<Void> subscribe(String filter, MqttQoS qos, Receiver receiver) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    channel
        .eventLoop()
        .execute(
            () -> {
              this.receiver = receiver;
              this.subscribed = done;
              channel.writeAndFlush(
                  MqttMessageBuilders.subscribe()
                      .messageId(1)
                      .addSubscription(qos, filter)
                      .build());
            });
    return done;
  }

  /** Sends DISCONNECT and closes the socket; call from any thread. */
  public CompletableFuture<Void> disconnect() {
    if (channel.isActive()) {
      channel
          .eventLoop()
          .execute(
              () ->
                  channel
                      .writeAndFlush(MqttMessageBuilders.disconnect().build())
                      .addListener(f -> channel.close()));
    }
    return closed;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      MqttMessage message = (MqttMessage) msg;
      if (message.decoderResult().isFailure()) {
        fail(ctx, "undecodable packet: " + message.decoderResult().cause());
        return;
      }
      switch (message.fixedHeader().messageType()) {
        case PUBLISH -> onPublish(ctx, (MqttPublishMessage) message);
        case PUBACK -> {
          if (publisher != null) {
            publisher.acked(((MqttMessageIdVariableHeader) message.variableHeader()).messageId());
          }
        }
        case CONNACK -> onConnAck(ctx, (MqttConnAckMessage) message);
        case SUBACK -> onSubAck((MqttSubAckMessage) message);
        default -> {
          // PINGRESP, UNSUBACK: nothing to do
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage publish) {
    if (receiver != null) {
      receiver.accept(publish.payload(), System.nanoTime());
    }
    if (publish.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
      ctx.write(
          new MqttPubAckMessage(
              new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
              MqttMessageIdVariableHeader.from(publish.variableHeader().packetId())),
          ctx.voidPromise());
      ackPending = true;
    }
  }

  private void onConnAck(ChannelHandlerContext ctx, MqttConnAckMessage ack) {
    MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
    if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
      connected.complete(this);
    } else {
      fail(ctx, "CONNACK " + code);
    }
  }

  private void onSubAck(MqttSubAckMessage ack) {
    if (subscribed == null) {
      return;
    }
    boolean granted = ack.payload().grantedQoSLevels().stream().allMatch(q -> q < 0x80);
    if (granted) {
      subscribed.complete(null);
    } else {
      subscribed.completeExceptionally(
          new RefusedException("SUBACK refused: " + ack.payload().grantedQoSLevels()));
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (ackPending) {
      ackPending = false;
      ctx.flush();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (publisher != null && ctx.channel().isWritable()) {
      publisher.pump();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    RefusedException gone = new RefusedException("connection closed");
    connected.completeExceptionally(gone);
    if (subscribed != null) {
      subscribed.completeExceptionally(gone);
    }
    if (publisher != null) {
      publisher.linkClosed();
    }
    closed.complete(null);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause.toString());
  }

  void fail(ChannelHandlerContext ctx, String reason) {
    connected.completeExceptionally(new RefusedException(reason));
    ctx.close();
  }
}
