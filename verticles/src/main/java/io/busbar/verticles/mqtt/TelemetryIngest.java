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

  private final DecoderTable decoders;
  private final EventBus bus;
  private final BrokerMetrics metrics;

  TelemetryIngest(DecoderTable decoders, EventBus bus, BrokerMetrics metrics) {
    this.decoders = decoders;
    this.bus = bus;
    this.metrics = metrics;
  }

  /** Decodes and publishes when a decoder rule matches {@code topic}; otherwise does nothing. */
  void ingest(String tenant, String topic, Buffer payload, String contentType) {
    Optional<DecoderTable.Match> match = decoders.resolve(topic);
    if (match.isEmpty()) {
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
