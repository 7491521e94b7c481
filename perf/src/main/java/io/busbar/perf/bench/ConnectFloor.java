package io.busbar.perf.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;

/**
 * Minimal servers that accept every CONNECT, for the floor of what a CONNECT costs on each stack
 * (perf/run-connect-floor.sh measures them with the bench's connection storm, beside Busbar and
 * Mosquitto): {@code vertx-mqtt} (vertx-mqtt's server accepting every endpoint), {@code vertx-net}
 * (a Vert.x {@code NetServer} answering any CONNECT with fixed CONNACK bytes, no MQTT decoding) and
 * {@code netty} (a Netty server accepting and serving on one Vert.x event loop, as Busbar's
 * listeners, with Netty's MQTT codec and one handler). One event loop each, no authentication, no
 * session: none of them is a broker.
 *
 * <pre>java -cp busbar.jar io.busbar.perf.bench.ConnectFloor netty|vertx-net|vertx-mqtt PORT</pre>
 */
public final class ConnectFloor {

  private ConnectFloor() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ConnectFloor netty|vertx-net|vertx-mqtt PORT");
      System.exit(2);
    }
    int port = Integer.parseInt(args[1]);
    switch (args[0]) {
      case "netty" -> netty(port);
      case "vertx-net" -> vertxNet(port);
      case "vertx-mqtt" -> vertxMqtt(port);
      default -> {
        System.err.println("unknown server " + args[0]);
        System.exit(2);
      }
    }
    System.out.println(args[0] + " listening on 127.0.0.1:" + port);
  }

  private static void netty(int port) throws InterruptedException {
    // Netty on a Vert.x event loop and transport (epoll when its library loads), accepting and
    // serving on that one loop, as Busbar's listeners run
    VertxInternal vertx = (VertxInternal) vertx();
    new ServerBootstrap()
        .group(vertx.nettyEventLoopGroup(), vertx.nettyEventLoopGroup())
        .channelFactory(vertx.transport().serverChannelFactory(false))
        .childHandler(
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel channel) {
                channel
                    .pipeline()
                    .addLast(MqttEncoder.INSTANCE, new MqttDecoder(), new AcceptAll());
              }
            })
        .bind("127.0.0.1", port)
        .sync();
  }

  /** Answers CONNECT with CONNACK 0x00, closes on DISCONNECT, ignores the rest. */
  private static final class AcceptAll extends SimpleChannelInboundHandler<MqttMessage> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
      switch (m.fixedHeader().messageType()) {
        case CONNECT ->
            ctx.writeAndFlush(
                MqttMessageBuilders.connAck()
                    .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
                    .build());
        case DISCONNECT -> ctx.close();
        default -> {}
      }
    }
  }

  private static Vertx vertx() {
    return Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
  }

  private static void vertxNet(int port) throws Exception {
    Buffer connack = Buffer.buffer(new byte[] {0x20, 0x02, 0x00, 0x00});
    vertx()
        .createNetServer()
        .connectHandler(
            socket ->
                socket.handler(
                    bytes -> {
                      int type = bytes.getByte(0) & 0xF0;
                      if (type == 0x10) {
                        socket.write(connack);
                      } else if (type == 0xE0) {
                        socket.close();
                      }
                    }))
        .listen(port, "127.0.0.1")
        .await();
  }

  private static void vertxMqtt(int port) throws Exception {
    MqttServer.create(vertx(), new MqttServerOptions().setHost("127.0.0.1").setPort(port))
        .endpointHandler(
            endpoint -> {
              endpoint.disconnectHandler(v -> endpoint.close());
              endpoint.accept(false);
            })
        .listen()
        .await();
  }
}
