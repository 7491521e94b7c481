package io.busbar.verticles.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * What the DuckDB and the PostgreSQL store do around their database calls, kept in one place so
 * that both count, log and answer alike (a dashboard or a client cannot tell them apart): the queue
 * and the {@code busbar.storage.*} meters they share, the outcome of a batch write, and the loop of
 * rollup and retention passes. Only the database calls, and the threads they run on, are the
 * store's own; it passes its logger, so log lines keep the store's category.
 */
final class StoreBookkeeping {

  private static final Rollups.Result NOTHING_TO_DO = new Rollups.Result(0, 0, 0, 0, true);

  private final Logger log;
  private final String writtenTo;
  private final StorageQueue queue;

  private final Counter droppedWriteFailed;
  private final Counter droppedBadTimestamp;
  private final Counter droppedUnexpectedType;
  private final Counter eventsWritten;
  private final Counter deadLettersWritten;
  private final Timer batchTimer;
  private final Counter rollupHourly;
  private final Counter rollupDaily;
  private final Counter deletedReadings;
  private final Counter deletedDeadLetters;
  private final Timer maintenanceTimer;
  private final Counter maintenanceFailed;

  private final LogThrottle writeFailureLog = new LogThrottle(Duration.ofSeconds(5));

  /** Set while passes run; atomic: tests and the timer may start a run. */
  private final AtomicBoolean maintaining = new AtomicBoolean();

  /**
   * @param instanceId names the store in ingest replies
   * @param log the store's logger
   * @param writtenTo where batches go, for the write-failure log ({@code ""} or {@code " to
   *     PostgreSQL"})
   */
  StoreBookkeeping(
      MeterRegistry registry, int queueCapacity, String instanceId, Logger log, String writtenTo) {
    this.log = log;
    this.writtenTo = writtenTo;
    this.droppedWriteFailed = dropped(registry, "write_failed");
    this.droppedBadTimestamp = dropped(registry, "bad_timestamp");
    this.droppedUnexpectedType = dropped(registry, "unexpected_type");
    this.queue =
        new StorageQueue(
            registry,
            queueCapacity,
            instanceId,
            dropped(registry, "queue_full"),
            droppedUnexpectedType);
    this.eventsWritten =
        Counter.builder("busbar.storage.events.written")
            .description("Events committed to the database")
            .register(registry);
    this.deadLettersWritten =
        Counter.builder("busbar.storage.deadletters.written")
            .description("Dead letters committed to the database")
            .register(registry);
    this.batchTimer =
        Timer.builder("busbar.storage.batch")
            .description("Time to append and commit one batch")
            .register(registry);
    this.rollupHourly = rollupRows(registry, "1h");
    this.rollupDaily = rollupRows(registry, "1d");
    this.deletedReadings = retentionDeleted(registry, "telemetry");
    this.deletedDeadLetters = retentionDeleted(registry, "dead_letters");
    this.maintenanceTimer =
        Timer.builder("busbar.storage.maintenance")
            .description("Time of one rollup and retention run")
            .register(registry);
    this.maintenanceFailed =
        Counter.builder("busbar.storage.maintenance.failed")
            .description("Rollup and retention runs that failed (retried next interval)")
            .register(registry);
  }

  private static Counter dropped(MeterRegistry registry, String reason) {
    return tagged(
        registry,
        "busbar.storage.dropped",
        "Events and dead letters that were not stored",
        "reason",
        reason);
  }

  private static Counter rollupRows(MeterRegistry registry, String table) {
    return tagged(
        registry, "busbar.storage.rollup.rows", "Rollup rows (re)computed", "table", table);
  }

  private static Counter retentionDeleted(MeterRegistry registry, String table) {
    return tagged(
        registry,
        "busbar.storage.retention.deleted",
        "Rows deleted past their tenant's retention",
        "table",
        table);
  }

  private static Counter tagged(
      MeterRegistry registry, String name, String description, String tag, String value) {
    return Counter.builder(name).description(description).tag(tag, value).register(registry);
  }

  /** The rows waiting for the store's writer. */
  StorageQueue queue() {
    return queue;
  }

  /** {@code busbar.storage.dropped{reason=unexpected_type}}, for bodies the store cannot use. */
  Counter droppedUnexpectedType() {
    return droppedUnexpectedType;
  }

  // ---- batch writes: called on the thread that wrote ----

  /**
   * Counts a committed batch ({@code skipped} events had a bad timestamp) and answers its ingest
   * acknowledgements through {@code onContext}, the store verticle's context.
   */
  void batchWritten(StorageQueue.Batch batch, int skipped, long startedNanos, Executor onContext) {
    batchTimer.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    eventsWritten.increment(batch.events().size() - skipped);
    deadLettersWritten.increment(batch.deadLetters().size());
    droppedBadTimestamp.increment(skipped);
    for (StorageQueue.IngestAck ack : batch.acks()) {
      onContext.execute(() -> ack.message().reply(queue.ackBody(ack.events(), true)));
    }
  }

  /** Counts a batch that could not be written as dropped, fails its acknowledgements with 500. */
  void batchFailed(StorageQueue.Batch batch, Throwable cause, Executor onContext) {
    droppedWriteFailed.increment(batch.dataRows());
    for (StorageQueue.IngestAck ack : batch.acks()) {
      onContext.execute(() -> ack.message().fail(500, "storage write failed"));
    }
    if (writeFailureLog.tryAcquire()) {
      log.error(
          "Storage batch of {} rows could not be written{}, dropped",
          batch.rows(),
          writtenTo,
          cause);
    }
  }

  // ---- maintenance ----

  /**
   * Runs {@code pass} until caught up or {@code stopped}; a no-op (an empty result) if stopped or
   * if passes are already running. A failed run is counted and logged; the next interval retries.
   *
   * @param pass one rollup and retention pass, which records itself with {@link #passDone}
   * @return the summed result; fails with the database error of a failed pass
   */
  Future<Rollups.Result> runMaintenance(
      BooleanSupplier stopped, Supplier<Future<Rollups.Result>> pass) {
    if (stopped.getAsBoolean() || !maintaining.compareAndSet(false, true)) {
      return Future.succeededFuture(NOTHING_TO_DO);
    }
    return passes(new Rollups.Result(0, 0, 0, 0, false), stopped, pass)
        .onFailure(
            e -> {
              maintenanceFailed.increment();
              log.error("Storage rollup/retention run failed; retrying next interval", e);
            })
        .eventually(
            () -> {
              maintaining.set(false);
              return Future.succeededFuture();
            });
  }

  private Future<Rollups.Result> passes(
      Rollups.Result sum, BooleanSupplier stopped, Supplier<Future<Rollups.Result>> pass) {
    if (sum.caughtUp() || stopped.getAsBoolean()) {
      return Future.succeededFuture(sum);
    }
    return pass.get()
        .compose(
            done ->
                passes(
                    new Rollups.Result(
                        sum.hourlyRows() + done.hourlyRows(),
                        sum.dailyRows() + done.dailyRows(),
                        sum.deletedReadings() + done.deletedReadings(),
                        sum.deletedDeadLetters() + done.deletedDeadLetters(),
                        done.caughtUp()),
                    stopped,
                    pass));
  }

  /** Records one pass in the meters, where it ran; returns it. */
  Rollups.Result passDone(long startedNanos, Rollups.Result pass) {
    maintenanceTimer.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    rollupHourly.increment(pass.hourlyRows());
    rollupDaily.increment(pass.dailyRows());
    deletedReadings.increment(pass.deletedReadings());
    deletedDeadLetters.increment(pass.deletedDeadLetters());
    return pass;
  }
}
