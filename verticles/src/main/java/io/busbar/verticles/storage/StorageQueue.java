package io.busbar.verticles.storage;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.security.audit.AuditEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded queue between a store's event loop and its writer, the same for every store: rows
 * (events, dead letters, audit events) are offered one by one and dropped when it is full (counted
 * in {@code busbar.storage.dropped{reason=queue_full}}); a batch on {@code busbar.storage.ingest}
 * is admitted whole or refused whole ({@link IngestAdmission}) and, with ack-on-commit, followed by
 * a marker that the writer answers once the batch is committed. Rows are added on the store's event
 * loop only (so the capacity check holds) and taken by the writer ({@link #drain}), on whichever
 * thread writes.
 */
final class StorageQueue {

  private static final Logger LOG = LoggerFactory.getLogger(StorageQueue.class);

  private final BlockingQueue<Object> rows;
  private final int capacity;
  private final String instanceId;
  private final IngestAdmission admission;
  private final Counter droppedQueueFull;
  private final Counter droppedUnexpectedType;
  private final LogThrottle dropLog = new LogThrottle(Duration.ofSeconds(5));

  /** Ingest acknowledgements queued but not yet taken by the writer (ack-on-commit only). */
  private final AtomicInteger acksWaiting = new AtomicInteger();

  /**
   * @param instanceId names the store in ingest replies
   * @param droppedQueueFull {@code busbar.storage.dropped{reason=queue_full}}
   * @param droppedUnexpectedType {@code busbar.storage.dropped{reason=unexpected_type}}
   */
  StorageQueue(
      MeterRegistry registry,
      int capacity,
      String instanceId,
      Counter droppedQueueFull,
      Counter droppedUnexpectedType) {
    this.rows = new ArrayBlockingQueue<>(capacity);
    this.capacity = capacity;
    this.instanceId = instanceId;
    this.droppedQueueFull = droppedQueueFull;
    this.droppedUnexpectedType = droppedUnexpectedType;
    this.admission = new IngestAdmission(registry, droppedUnexpectedType);
  }

  /** Registers {@code busbar.storage.queue.depth}; the caller removes it when the store stops. */
  Gauge registerDepthGauge(MeterRegistry registry) {
    return Gauge.builder("busbar.storage.queue.depth", rows, BlockingQueue::size)
        .description("Rows waiting for the storage writer")
        .register(registry);
  }

  /** Queues one row, or drops and counts it when the queue is full. Event loop only. */
  void offer(Object row) {
    if (!rows.offer(row)) {
      droppedQueueFull.increment();
      if (dropLog.tryAcquire()) {
        LOG.warn(
            "Storage queue full ({} rows): dropping; {} dropped so far",
            capacity,
            (long) droppedQueueFull.count());
      }
    }
  }

  /**
   * Queues the events of a batch published on {@code busbar.events}, unless this store already took
   * it on {@code busbar.storage.ingest} (marked with {@link Addresses#STORED_BY_HEADER}); anything
   * but an {@link EventBatch} is counted and dropped. Event loop only.
   */
  void offerEvents(Message<Object> message) {
    if (!(message.body() instanceof EventBatch batch)) {
      droppedUnexpectedType.increment();
      return;
    }
    if (instanceId.equals(message.headers().get(Addresses.STORED_BY_HEADER))) {
      return;
    }
    for (Event event : batch.events()) {
      offer(event);
    }
  }

  /** Queues a dead letter published on {@code busbar.deadletters}. Event loop only. */
  void offerDeadLetter(Message<Object> message) {
    if (message.body() instanceof DeadLetter letter) {
      offer(letter);
    } else {
      droppedUnexpectedType.increment();
    }
  }

  /**
   * Admits and queues one request of {@code busbar.storage.ingest}: refused whole with its reason
   * (400, 503, 413), or queued whole and answered now ({@code ackOnCommit} false) or once the
   * writer committed it. Event loop only.
   *
   * @return whether the batch was queued
   */
  boolean ingest(Message<Object> message, boolean stopping, boolean ackOnCommit) {
    EventBatch batch =
        admission.admit(message, stopping, capacity, rows.remainingCapacity(), ackOnCommit);
    if (batch == null) {
      return false;
    }
    int events = batch.events().size();
    rows.addAll(batch.events());
    if (ackOnCommit) {
      acksWaiting.incrementAndGet();
      rows.add(new IngestAck(message, events));
    } else {
      message.reply(ackBody(events, false));
    }
    return true;
  }

  int size() {
    return rows.size();
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Whether an ingest batch waits for its commit: the writer should not wait for the timer. */
  boolean acksWaiting() {
    return acksWaiting.get() > 0;
  }

  /** Takes up to {@code max} rows, sorted by kind, in queue order. Any thread (the writer's). */
  Batch drain(int max) {
    List<Object> taken = new ArrayList<>(Math.min(rows.size(), max));
    rows.drainTo(taken, max);
    List<Event> events = new ArrayList<>(taken.size());
    List<DeadLetter> deadLetters = new ArrayList<>();
    List<AuditEvent> audits = new ArrayList<>();
    List<IngestAck> acks = new ArrayList<>();
    for (Object row : taken) {
      if (row instanceof Event event) {
        events.add(event);
      } else if (row instanceof IngestAck ack) {
        acks.add(ack);
      } else if (row instanceof AuditEvent audit) {
        audits.add(audit);
      } else {
        deadLetters.add((DeadLetter) row);
      }
    }
    acksWaiting.addAndGet(-acks.size());
    return new Batch(taken.size(), events, deadLetters, audits, acks);
  }

  /** The reply to an ingest request: how many events, whether committed, which store. */
  JsonObject ackBody(int events, boolean committed) {
    return new JsonObject()
        .put("accepted", events)
        .put("committed", committed)
        .put("storage", instanceId);
  }

  /** Marks where an acknowledged batch ends in the queue; answered once its batch commits. */
  record IngestAck(Message<Object> message, int events) {}

  /** Rows taken for one write; {@code rows} counts the ack markers too. */
  record Batch(
      int rows,
      List<Event> events,
      List<DeadLetter> deadLetters,
      List<AuditEvent> audits,
      List<IngestAck> acks) {

    /** Rows that were data (not ack markers): what a failed write drops. */
    int dataRows() {
      return rows - acks.size();
    }
  }
}
