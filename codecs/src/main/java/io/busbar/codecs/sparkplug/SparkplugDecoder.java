package io.busbar.codecs.sparkplug;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.PayloadDecoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.function.Consumer;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;

/**
 * Decodes Sparkplug B payloads (Sparkplug 3.0 §6.4) on {@code spBv1.0/...} topics into events,
 * through the host's {@link SparkplugHostState} (aliases, seq, births and deaths). The protobuf is
 * read from the Vert.x buffer's memory in place. A payload that is not a Sparkplug B protobuf is
 * rejected with the byte offset where reading stopped. Thread-safe (the host state locks).
 *
 * <p>Status changes go to the listener given at construction (e.g. to publish them on the event
 * bus); rebirth requests are collected by the broker from {@link
 * SparkplugHostState#dueRebirths(long)}.
 */
public final class SparkplugDecoder implements PayloadDecoder {

  private final SparkplugHostState host;
  private final Consumer<Reception> listener;

  public SparkplugDecoder(SparkplugHostState host) {
    this(host, r -> {});
  }

  /**
   * @param host the host state this decoder feeds
   * @param listener told of every reception, on the decoding thread; must not block
   */
  public SparkplugDecoder(SparkplugHostState host, Consumer<Reception> listener) {
    this.host = host;
    this.listener = listener;
  }

  @Override
  public DecodeResult decode(MessageContext context, Buffer payload) {
    try {
      SparkplugTopic topic = SparkplugTopic.parse(context.topic()).orElse(null);
      if (topic == null) {
        return DecodeResult.rejected(SparkplugTopic.problem(context.topic()));
      }
      if (topic.type() == SparkplugTopic.MessageType.STATE) {
        return DecodeResult.decoded(java.util.List.of()); // another host's JSON STATE, §4.1.3
      }
      Object parsed = parse(payload);
      if (parsed instanceof String reason) {
        return DecodeResult.rejected(topic.type() + " of " + topic.busbarId() + ": " + reason);
      }
      Reception reception = host.receive(topic, (Payload) parsed, context);
      listener.accept(reception);
      return reception.result();
    } catch (RuntimeException e) {
      return DecodeResult.rejected("unreadable Sparkplug B message: " + e);
    }
  }

  /** The payload, or why it is not one. */
  static Object parse(Buffer payload) {
    CodedInputStream in =
        payload instanceof BufferInternal internal
            ? CodedInputStream.newInstance(internal.getByteBuf().nioBuffer())
            : CodedInputStream.newInstance(payload.getBytes());
    try {
      Payload parsed = Payload.parseFrom(in);
      return parsed;
    } catch (InvalidProtocolBufferException e) {
      return "malformed Sparkplug B protobuf at offset "
          + in.getTotalBytesRead()
          + " of "
          + payload.length()
          + ": "
          + e.getMessage();
    } catch (java.io.IOException e) {
      return "unreadable Sparkplug B protobuf: " + e.getMessage();
    }
  }
}
