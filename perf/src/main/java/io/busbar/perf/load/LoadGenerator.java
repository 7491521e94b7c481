package io.busbar.perf.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Opens MQTT 3.1.1 connections to one broker, all on one event-loop thread, so that thousands of
 * connections cost one thread and a few buffers each rather than a client object with its own
 * threads and queues. Close it to close every connection it opened.
 */
public final class LoadGenerator implements AutoCloseable {

  /**
   * Where to connect and with which credentials (a Busbar JWT as password; Mosquitto ignores it).
   */
  public record Target(String host, int port, String username, String password) {
    public Target {
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be 1..65535, was " + port);
      }
    }
  }

  /**
   * Keep-alive sent in CONNECT; the generator sends no PINGREQ, so a run must stay below 1.5× it.
   */
  public static final int KEEP_ALIVE_SECONDS = 600;

  private static final Duration CONNACK_TIMEOUT = Duration.ofSeconds(10);

  private final Target target;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;

  public LoadGenerator(Target target) {
    this.target = target;
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNACK_TIMEOUT.toMillis())
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(32 * 1024, 128 * 1024));
  }

  public Target target() {
    return target;
  }

  /** The one thread every connection, publisher and receiver of this generator runs on. */
  public EventLoop loop() {
    return group.next();
  }

  /**
   * Connects one client with a clean session.
   *
   * @return completes with the link once CONNACK accepted it; fails with {@link
   *     MqttLink.RefusedException} on a refusal, a closed socket or no CONNACK within 10 s, or with
   *     the socket's own exception when the TCP connect fails
   */
  public CompletableFuture<MqttLink> connect(String clientId) {
    return connect(clientId, target.password());
  }

  /**
   * As {@link #connect(String)} with {@code password} instead of the target's (a token per
   * connection in the connection storm); {@code null} or empty: none.
   */
  public CompletableFuture<MqttLink> connect(String clientId, String password) {
    MqttLink link = new MqttLink(clientId);
    ChannelFuture tcp =
        bootstrap
            .clone()
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast("decoder", new MqttDecoder(1024 * 1024))
                        .addLast("encoder", MqttEncoder.INSTANCE)
                        .addLast("link", link);
                  }
                })
            .connect(target.host(), target.port());
    tcp.addListener(
        f -> {
          if (!f.isSuccess()) {
            link.connected().completeExceptionally(f.cause());
            return;
          }
          MqttMessageBuilders.ConnectBuilder connect =
              MqttMessageBuilders.connect()
                  .protocolVersion(MqttVersion.MQTT_3_1_1)
                  .clientId(clientId)
                  .cleanSession(true)
                  .keepAlive(KEEP_ALIVE_SECONDS);
          if (target.username() != null && !target.username().isEmpty()) {
            connect.username(target.username());
          }
          if (password != null && !password.isEmpty()) {
            connect.password(password.getBytes(StandardCharsets.UTF_8));
          }
          MqttConnectMessage message = connect.build();
          tcp.channel().writeAndFlush(message);
          tcp.channel()
              .eventLoop()
              .schedule(
                  () -> {
                    if (!link.connected().isDone()) {
                      link.connected()
                          .completeExceptionally(
                              new MqttLink.RefusedException(
                                  "no CONNACK within " + CONNACK_TIMEOUT));
                      tcp.channel().close();
                    }
                  },
                  CONNACK_TIMEOUT.toMillis(),
                  TimeUnit.MILLISECONDS);
        });
    return link.connected();
  }

  /**
   * Runs {@code task} on the generator's thread and waits for its result: the way to read counters
   * of links, publishers and receivers safely from another thread.
   */
  public <T> T onLoop(Callable<T> task) {
    try {
      return loop().submit(task).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("task on the generator loop failed: " + e, e);
    }
  }

  /** Closes every connection and stops the thread. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
