package io.busbar.verticles.storage;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import java.util.function.Supplier;

/**
 * When a store writes, the same for the DuckDB and the PostgreSQL store: at most one batch in
 * flight; a write starts once a full batch waits, once an acknowledgement waits with ack-on-commit,
 * or on the flush timer's tick, and when one ends the next starts at once while a full batch or an
 * acknowledgement still waits. Used on the store verticle's event loop only.
 */
final class WritePump {

  private final StorageQueue queue;
  private final int batchSize;
  private final boolean ackOnCommit;
  private final Supplier<Future<?>> writeBatch;

  private boolean writing;
  private boolean stopped;
  private Future<?> inFlight = Future.succeededFuture();

  /**
   * @param writeBatch writes at most one batch drained from {@code queue}; its future completes
   *     when the batch is written (or failed and answered)
   */
  WritePump(
      StorageQueue queue, int batchSize, boolean ackOnCommit, Supplier<Future<?>> writeBatch) {
    this.queue = queue;
    this.batchSize = batchSize;
    this.ackOnCommit = ackOnCommit;
    this.writeBatch = writeBatch;
  }

  /** Queues a batch published on {@code busbar.events} ({@link StorageQueue#offerEvents}). */
  void offerEvents(Message<Object> message) {
    queue.offerEvents(message);
    offered();
  }

  /** Queues a dead letter published on {@code busbar.deadletters}. */
  void offerDeadLetter(Message<Object> message) {
    queue.offerDeadLetter(message);
    offered();
  }

  /** Rows were offered to the queue: a full batch is written now, a smaller one on the tick. */
  void offered() {
    if (queue.size() >= batchSize) {
      request();
    }
  }

  /**
   * A batch that needs an acknowledgement: all of it is queued, or none (the queue answers 503 when
   * full, 413 when larger than the whole queue). Only this event loop adds to the queue, so the
   * capacity check holds.
   */
  void ingest(Message<Object> message) {
    if (!queue.ingest(message, stopped, ackOnCommit)) {
      return;
    }
    if (ackOnCommit || queue.size() >= batchSize) {
      // with ack-on-commit, commit soon rather than at the next tick: acks arriving meanwhile
      // share the next commit
      request();
    }
  }

  /** Starts writing one batch unless one is in flight; the flush timer calls it on each tick. */
  void request() {
    if (writing || stopped || queue.isEmpty()) {
      return;
    }
    writing = true;
    inFlight =
        writeBatch
            .get()
            .onComplete(
                done -> {
                  writing = false;
                  // a full batch or an acknowledgement is waiting: don't wait for the tick
                  if (queue.size() >= batchSize || queue.acksWaiting()) {
                    request();
                  }
                });
  }

  /**
   * Starts no more writes and refuses new acknowledged batches; returns the write in flight, after
   * which the store drains what is left itself.
   */
  Future<?> stop() {
    stopped = true;
    return inFlight;
  }
}
