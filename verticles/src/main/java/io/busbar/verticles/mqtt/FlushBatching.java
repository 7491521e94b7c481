package io.busbar.verticles.mqtt;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.mqtt.MqttEndpoint;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a connection's flushes be batched: vertx-mqtt flushes every PUBLISH it writes, one system
 * call per delivered message. Netty's {@link FlushConsolidationHandler} at the head of the
 * connection's pipeline turns the flushes of one event-loop turn into one. vertx-mqtt does not
 * expose the pipeline, so it is reached through the endpoint's socket field; if a vertx-mqtt
 * version moves it, connections simply work unbatched (logged once).
 */
final class FlushBatching {

  private static final Logger LOG = LoggerFactory.getLogger(FlushBatching.class);
  private static final String NAME = "busbarFlushConsolidation";

  /** Flush at the latest after this many writes within one turn. */
  private static final int EXPLICIT_FLUSHES = 256;

  private static volatile boolean unavailable;

  /** The endpoint's connection field and its pipeline accessor, looked up once, not per CONNECT. */
  private static volatile Field connField;

  private static volatile java.lang.reflect.Method contextMethod;

  private FlushBatching() {}

  static void install(MqttEndpoint endpoint) {
    if (unavailable) {
      return;
    }
    try {
      Field field = connField;
      if (field == null) {
        field = endpoint.getClass().getDeclaredField("conn");
        field.setAccessible(true);
        connField = field;
      }
      Object conn = field.get(endpoint);
      java.lang.reflect.Method method = contextMethod;
      if (method == null) {
        method = conn.getClass().getMethod("channelHandlerContext");
        contextMethod = method;
      }
      ChannelHandlerContext ctx = (ChannelHandlerContext) method.invoke(conn);
      ChannelPipeline pipeline = ctx.pipeline();
      if (pipeline.get(NAME) == null) {
        // consolidate also when no read is in progress: deliveries come from other connections
        pipeline.addFirst(NAME, new FlushConsolidationHandler(EXPLICIT_FLUSHES, true));
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      unavailable = true;
      LOG.info(
          "flush batching unavailable with this vertx-mqtt ({}); flushing per message",
          e.toString());
    }
  }
}
