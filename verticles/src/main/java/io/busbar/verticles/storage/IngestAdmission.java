package io.busbar.verticles.storage;

import io.busbar.codecs.model.EventBatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.eventbus.Message;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission of a batch sent on {@code busbar.storage.ingest}, the same for every store: all of it
 * fits in the queue, or none is taken and the sender is told why (400 not a batch, 503 stopping or
 * queue full — back-pressure, 413 larger than the whole queue). Counted under {@code
 * busbar.storage.ingest.accepted} and {@code busbar.storage.ingest.rejected{reason}}. Used on the
 * store's event loop, the only thread that adds to its queue, so the capacity check holds.
 */
final class IngestAdmission {

  private static final Logger LOG = LoggerFactory.getLogger(IngestAdmission.class);

  private final Counter droppedUnexpectedType;
  private final Counter accepted;
  private final Counter rejectedFull;
  private final Counter rejectedTooLarge;
  private final Counter rejectedStopping;
  private final LogThrottle fullLog = new LogThrottle(Duration.ofSeconds(5));

  IngestAdmission(MeterRegistry registry, Counter droppedUnexpectedType) {
    this.droppedUnexpectedType = droppedUnexpectedType;
    this.accepted =
        Counter.builder("busbar.storage.ingest.accepted")
            .description("Events accepted on busbar.storage.ingest")
            .register(registry);
    this.rejectedFull = rejected(registry, "queue_full");
    this.rejectedTooLarge = rejected(registry, "too_large");
    this.rejectedStopping = rejected(registry, "stopping");
  }

  private static Counter rejected(MeterRegistry registry, String reason) {
    return Counter.builder("busbar.storage.ingest.rejected")
        .description("Ingest requests refused (back-pressure to the sender); nothing was taken")
        .tag("reason", reason)
        .register(registry);
  }

  /**
   * Checks one ingest request against the queue.
   *
   * @param ackMarker whether the batch takes one more queue slot, for the marker of a store that
   *     answers after the commit
   * @return the batch to queue, counted as accepted; {@code null} once {@code message} was failed
   */
  EventBatch admit(
      Message<Object> message, boolean stopping, int capacity, int remaining, boolean ackMarker) {
    if (!(message.body() instanceof EventBatch batch)) {
      droppedUnexpectedType.increment();
      message.fail(400, "body must be an EventBatch");
      return null;
    }
    if (stopping) {
      rejectedStopping.increment();
      message.fail(503, "storage is stopping");
      return null;
    }
    int events = batch.events().size();
    int slots = events + (ackMarker ? 1 : 0);
    if (slots > capacity) {
      rejectedTooLarge.increment();
      message.fail(
          413, "batch of " + events + " events exceeds the storage queue (" + capacity + ")");
      return null;
    }
    if (remaining < slots) {
      rejectedFull.increment();
      if (fullLog.tryAcquire()) {
        LOG.warn("Storage queue full ({} rows): refusing ingest (back-pressure)", capacity);
      }
      message.fail(503, "storage queue full");
      return null;
    }
    accepted.increment(events);
    return batch;
  }
}
