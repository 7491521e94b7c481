package io.busbar.verticles.mqtt;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.routing.DecoderTable;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import java.util.Optional;

/**
 * Decodes messages on decoder topics into events and hands them to the event bus: an {@link
 * EventBatch} to {@link Addresses#EVENTS}, or a {@link DeadLetter} to {@link
 * Addresses#DEAD_LETTERS} when the decoder rejects the payload. Runs on the publisher's event loop;
 * decoders are pure and never throw.
 */
final class TelemetryIngest {

  /** Topics without a decoder remembered at most; the set is cleared beyond (cheap to refill). */
  static final int MAX_PLAIN_TOPICS = 65_536;

  private final DecoderTable decoders;
  private final EventBus bus;

  /**
   * Topics known to have no decoder: most broker traffic is plain pub/sub, and resolving a topic
   * against the decoder rules splits it on every message (a hot spot of QoS 0 fan-in). Event-loop
   * confined; the decoder table is immutable, so an entry never goes stale.
   */
  private final java.util.Set<String> plainTopics = new java.util.HashSet<>();

  private final BrokerMetrics metrics;

  TelemetryIngest(DecoderTable decoders, EventBus bus, BrokerMetrics metrics) {
    this.decoders = decoders;
    this.bus = bus;
    this.metrics = metrics;
  }

  /** Decodes and publishes when a decoder rule matches {@code topic}; otherwise does nothing. */
  void ingest(String tenant, String topic, Buffer payload, String contentType) {
    if (plainTopics.contains(topic)) {
      return;
    }
    Optional<DecoderTable.Match> match = decoders.resolve(topic);
    if (match.isEmpty()) {
      if (plainTopics.size() >= MAX_PLAIN_TOPICS) {
        plainTopics.clear();
      }
      plainTopics.add(topic);
      return;
    }
    long now = System.currentTimeMillis();
    String deviceId = match.get().deviceId();
    MessageContext context = new MessageContext(tenant, deviceId, topic, now, contentType);
    DecodeResult result;
    try {
      result = match.get().decoder().decode(context, payload);
    } catch (RuntimeException e) {
      // decoders must not throw; if one does, the message still becomes a dead letter
      result = DecodeResult.rejected("decoder failed: " + e);
    }
    if (result instanceof DecodeResult.Decoded decoded) {
      bus.publish(Addresses.EVENTS, new EventBatch(decoded.events()));
    } else if (result instanceof DecodeResult.Rejected rejected) {
      metrics.decodeFailures.increment();
      bus.publish(
          Addresses.DEAD_LETTERS,
          new DeadLetter(tenant, deviceId, topic, rejected.reason(), payload.getBytes(), now));
    }
  }
}
