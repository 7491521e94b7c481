package io.busbar.verticles.mqtt;

import io.vertx.core.Future;
import java.util.function.BooleanSupplier;

/**
 * Sends a connection's PUBACK and PUBREC packets in the order the PUBLISH packets came, even when
 * one of them waits for a durable write. Runs on the broker verticle's event loop.
 */
final class AckSequencer {

  private final BrokerMetrics metrics;
  private final BooleanSupplier open;

  /** The last acknowledgement waiting for a durable write, or {@code null}. */
  private Future<Void> ackTail;

  /**
   * @param open whether the connection can still take an acknowledgement
   */
  AckSequencer(BrokerMetrics metrics, BooleanSupplier open) {
    this.metrics = metrics;
    this.open = open;
  }

  /**
   * Runs {@code ack} once {@code stored} (may be {@code null}) is complete, and after every ack
   * queued before it: PUBACK and PUBREC go in the order the PUBLISH packets came (MQTT 3.1.1 §4.6,
   * 5.0 §4.6), even when one of them waits for the retained store to be durable.
   */
  void inOrder(Future<Void> stored, Runnable ack) {
    if (ackTail == null && (stored == null || stored.isComplete())) {
      if (stored != null && stored.failed()) {
        metrics.storeFailures.increment();
      }
      ack.run();
      return;
    }
    Future<Void> previous = ackTail == null ? Future.succeededFuture() : ackTail;
    Future<Void> durable = stored == null ? Future.succeededFuture() : stored;
    Future<Void> mine =
        previous
            .transform(ignored -> durable)
            .transform(
                ar -> {
                  if (ar.failed()) {
                    metrics.storeFailures.increment();
                  }
                  if (open.getAsBoolean()) {
                    ack.run();
                  }
                  return Future.<Void>succeededFuture();
                });
    ackTail = mine;
    mine.onComplete(
        ar -> {
          if (ackTail == mine) {
            ackTail = null;
          }
        });
  }
}
