package io.busbar.verticles.mqtt;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a connection's flushes be batched: vertx-mqtt flushes every PUBLISH it writes, one system
 * call per delivered message. Netty's {@link FlushConsolidationHandler} at the head of the
 * connection's pipeline turns the flushes of one event-loop turn into one. vertx-mqtt does not
 * expose the pipeline, so it is reached through the endpoint's socket field; if a vertx-mqtt
 * version moves it, connections simply work unbatched and without shared encodings (logged once).
 */
final class FlushBatching {

  private static final Logger LOG = LoggerFactory.getLogger(FlushBatching.class);
  private static final String NAME = "busbarFlushConsolidation";

  /** Flush at the latest after this many writes within one turn. */
  private static final int EXPLICIT_FLUSHES = 256;

  private static volatile boolean unavailable;

  /** The endpoint's connection field, looked up once, not per CONNECT. */
  private static volatile Field connField;

  private FlushBatching() {}

  /**
   * Installs the flush consolidation on {@code endpoint}'s pipeline.
   *
   * @return the endpoint's socket, to write pre-encoded packets on ({@link SharedPublish}), or
   *     {@code null} when this vertx-mqtt does not let it be reached
   */
  static NetSocketInternal install(MqttEndpoint endpoint) {
    if (unavailable) {
      return null;
    }
    try {
      Field field = connField;
      if (field == null) {
        field = endpoint.getClass().getDeclaredField("conn");
        field.setAccessible(true);
        connField = field;
      }
      NetSocketInternal conn = (NetSocketInternal) field.get(endpoint);
      ChannelPipeline pipeline = conn.channelHandlerContext().pipeline();
      if (pipeline.get(NAME) == null) {
        // consolidate also when no read is in progress: deliveries come from other connections
        pipeline.addFirst(NAME, new FlushConsolidationHandler(EXPLICIT_FLUSHES, true));
      }
      return conn;
    } catch (ReflectiveOperationException | RuntimeException e) {
      unavailable = true;
      LOG.info(
          "flush batching unavailable with this vertx-mqtt ({}); flushing per message",
          e.toString());
      return null;
    }
  }
}
