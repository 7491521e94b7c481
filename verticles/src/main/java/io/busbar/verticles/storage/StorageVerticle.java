package io.busbar.verticles.storage;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores every event and dead letter published on the event bus in DuckDB and answers history
 * queries.
 *
 * <p>Ingestion: {@link Addresses#EVENTS} and {@link Addresses#DEAD_LETTERS} go into one bounded
 * in-memory queue (capacity in rows). A single writer thread drains it in batches of at most {@code
 * batchSize} rows, each batch appended with the DuckDB appender in one transaction. A batch is
 * written as soon as {@code batchSize} rows wait, otherwise every {@code flushInterval}. When the
 * queue is full the row is dropped and counted in {@code busbar.storage.dropped{reason=queue_full}}.
 *
 * <p>Queries: {@link Addresses#STORAGE_TELEMETRY_QUERY} and {@link
 * Addresses#STORAGE_DEAD_LETTERS_QUERY} run on their own worker thread with a second connection, so
 * neither the event loop nor ingestion waits for them. They see committed batches only: a reading
 * becomes visible within about {@code flushInterval} of its arrival (no flush on query, which would
 * put queries in the writer's way). A bad request field fails with {@code 400} naming the field, too
 * many waiting queries with {@code 503}, a database error with {@code 500}.
 *
 * <p>{@link #stop()} stops consuming, writes everything still queued, then closes the database, so a
 * clean shutdown loses nothing that was accepted.
 *
 * <p>Every node stores every event it receives (the addresses are published cluster-wide), so each
 * node's database is a full copy and any node can answer a query. Deploy one instance per node: the
 * database file has one writer.
 */
public final class StorageVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);

  /** Queries accepted but not yet answered; beyond this they fail with 503 instead of piling up. */
  static final int MAX_PENDING_QUERIES = 64;

  private final StorageConfig config;
  private final MeterRegistry registry;
  private final BlockingQueue<Object> queue;

  private final Counter droppedQueueFull;
  private final Counter droppedWriteFailed;
  private final Counter droppedBadTimestamp;
  private final Counter droppedUnexpectedType;
  private final Counter eventsWritten;
  private final Counter deadLettersWritten;
  private final Timer batchTimer;
  private final Counter queriesBadRequest;
  private final Counter queriesBusy;
  private final Counter queriesError;
  private Gauge queueDepth;

  private final LogThrottle dropLog = new LogThrottle(Duration.ofSeconds(5));
  private final LogThrottle writeFailureLog = new LogThrottle(Duration.ofSeconds(5));

  // set in start(); the executors run one task at a time, in submission order
  private TelemetryStore store;
  private WorkerExecutor writerThread;
  private WorkerExecutor queryThread;
  private final List<MessageConsumer<?>> ingestConsumers = new ArrayList<>();
  private final List<MessageConsumer<?>> queryConsumers = new ArrayList<>();
  private long flushTimer = -1;

  // event-loop state: only touched on this verticle's context
  private boolean writing;
  private boolean stopping;
  private int pendingQueries;

  public StorageVerticle(StorageConfig config, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    this.droppedQueueFull = dropped("queue_full");
    this.droppedWriteFailed = dropped("write_failed");
    this.droppedBadTimestamp = dropped("bad_timestamp");
    this.droppedUnexpectedType = dropped("unexpected_type");
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
    this.queriesBadRequest = queriesFailed("400");
    this.queriesBusy = queriesFailed("503");
    this.queriesError = queriesFailed("500");
  }

  private Counter dropped(String reason) {
    return Counter.builder("busbar.storage.dropped")
        .description("Events and dead letters that were not stored")
        .tag("reason", reason)
        .register(registry);
  }

  private Counter queriesFailed(String code) {
    return Counter.builder("busbar.storage.queries.failed")
        .description("Storage queries answered with an error")
        .tag("code", code)
        .register(registry);
  }

  /**
   * Opens the database, then starts consuming.
   *
   * @return fails with an {@link java.io.IOException} or {@link SQLException} if the database
   *     cannot be opened (e.g. the file is locked by another process)
   */
  @Override
  public Future<?> start() {
    String id = UUID.randomUUID().toString();
    writerThread = vertx.createSharedWorkerExecutor("busbar-storage-writer-" + id, 1);
    queryThread = vertx.createSharedWorkerExecutor("busbar-storage-query-" + id, 1);
    return writerThread
        .executeBlocking(() -> TelemetryStore.open(config), true)
        .compose(
            opened -> {
              store = opened;
              queueDepth =
                  Gauge.builder("busbar.storage.queue.depth", queue, BlockingQueue::size)
                      .description("Rows waiting for the storage writer")
                      .register(registry);
              var bus = vertx.eventBus();
              ingestConsumers.add(bus.consumer(Addresses.EVENTS, this::onEvents));
              ingestConsumers.add(bus.consumer(Addresses.DEAD_LETTERS, this::onDeadLetter));
              queryConsumers.add(
                  bus.consumer(Addresses.STORAGE_TELEMETRY_QUERY, this::onTelemetryQuery));
              queryConsumers.add(
                  bus.consumer(Addresses.STORAGE_DEAD_LETTERS_QUERY, this::onDeadLetterQuery));
              flushTimer =
                  vertx.setPeriodic(config.flushInterval().toMillis(), tick -> requestWrite());
              List<Future<Void>> registered = new ArrayList<>();
              ingestConsumers.forEach(c -> registered.add(c.completion()));
              queryConsumers.forEach(c -> registered.add(c.completion()));
              return Future.all(registered);
            })
        .onSuccess(
            ok ->
                LOG.info(
                    "Storage started: {}",
                    config.dataDir() == null ? "in-memory database" : config.databaseFile()));
  }

  /** Stops consuming, writes every queued row, then closes the database. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(flushTimer);
    List<Future<Void>> unregistered = new ArrayList<>();
    ingestConsumers.forEach(c -> unregistered.add(c.unregister()));
    queryConsumers.forEach(c -> unregistered.add(c.unregister()));
    if (store == null) {
      return Future.all(unregistered).eventually(this::closeExecutors);
    }
    return Future.all(unregistered)
        .transform(
            ignored ->
                Future.all(
                    // ordered: runs after any batch or query already submitted
                    writerThread.executeBlocking(this::drainAndClose, true),
                    queryThread.executeBlocking(
                        () -> {
                          store.closeReader();
                          return null;
                        },
                        true)))
        .eventually(this::closeExecutors)
        .onComplete(
            done -> {
              if (queueDepth != null) {
                registry.remove(queueDepth);
              }
              LOG.info("Storage stopped");
            });
  }

  private Future<?> closeExecutors() {
    return Future.all(writerThread.close(), queryThread.close());
  }

  // ---- ingestion (event loop) ----

  private void onEvents(Message<Object> message) {
    if (!(message.body() instanceof EventBatch batch)) {
      droppedUnexpectedType.increment();
      return;
    }
    for (Event event : batch.events()) {
      enqueue(event);
    }
    if (queue.size() >= config.batchSize()) {
      requestWrite();
    }
  }

  private void onDeadLetter(Message<Object> message) {
    if (!(message.body() instanceof DeadLetter letter)) {
      droppedUnexpectedType.increment();
      return;
    }
    enqueue(letter);
    if (queue.size() >= config.batchSize()) {
      requestWrite();
    }
  }

  private void enqueue(Object row) {
    // TODO(issue 8): back-pressure to the MQTT broker (pause reading from publishers) before the
    // queue is full, instead of dropping here.
    if (!queue.offer(row)) {
      droppedQueueFull.increment();
      if (dropLog.tryAcquire()) {
        LOG.warn(
            "Storage queue full ({} rows): dropping; {} dropped so far",
            config.queueCapacity(),
            (long) droppedQueueFull.count());
      }
    }
  }

  /** Hands one batch to the writer thread unless one is already being written. */
  private void requestWrite() {
    if (writing || stopping || queue.isEmpty()) {
      return;
    }
    writing = true;
    writerThread
        .executeBlocking(this::writeBatch, true)
        .onComplete(
            done -> {
              writing = false;
              // a full batch is waiting: don't wait for the timer
              if (queue.size() >= config.batchSize()) {
                requestWrite();
              }
            });
  }

  // ---- writer thread ----

  /** Writes at most one batch; returns the number of rows taken from the queue. */
  private int writeBatch() {
    List<Object> rows = new ArrayList<>(Math.min(queue.size(), config.batchSize()));
    queue.drainTo(rows, config.batchSize());
    if (rows.isEmpty()) {
      return 0;
    }
    List<Event> events = new ArrayList<>(rows.size());
    List<DeadLetter> deadLetters = new ArrayList<>();
    for (Object row : rows) {
      if (row instanceof Event event) {
        events.add(event);
      } else {
        deadLetters.add((DeadLetter) row);
      }
    }
    long started = System.nanoTime();
    try {
      int skipped = store.write(events, deadLetters);
      batchTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      eventsWritten.increment(events.size() - skipped);
      deadLettersWritten.increment(deadLetters.size());
      droppedBadTimestamp.increment(skipped);
    } catch (SQLException | RuntimeException e) {
      droppedWriteFailed.increment(rows.size());
      if (writeFailureLog.tryAcquire()) {
        LOG.error("Storage batch of {} rows could not be written, dropped", rows.size(), e);
      }
    }
    return rows.size();
  }

  private Void drainAndClose() throws SQLException {
    int written = 0;
    while (!queue.isEmpty()) {
      written += writeBatch();
    }
    store.closeWriter();
    LOG.debug("Storage drained {} queued rows on stop", written);
    return null;
  }

  // ---- queries (event loop, then query thread) ----

  private void onTelemetryQuery(Message<Object> message) {
    TelemetryQuery query;
    try {
      query = TelemetryQuery.fromJson(requestBody(message));
    } catch (InvalidRequestException e) {
      queriesBadRequest.increment();
      message.fail(400, e.getMessage());
      return;
    }
    runQuery(message, () -> store.telemetry(query));
  }

  private void onDeadLetterQuery(Message<Object> message) {
    DeadLetterQuery query;
    try {
      query = DeadLetterQuery.fromJson(requestBody(message));
    } catch (InvalidRequestException e) {
      queriesBadRequest.increment();
      message.fail(400, e.getMessage());
      return;
    }
    runQuery(message, () -> store.deadLetters(query));
  }

  private static JsonObject requestBody(Message<Object> message) {
    Object body = message.body();
    if (body == null || body instanceof JsonObject) {
      return (JsonObject) body;
    }
    throw new InvalidRequestException("body", "request must be a JSON object");
  }

  private <T> void runQuery(Message<Object> message, Callable<T> query) {
    if (pendingQueries >= MAX_PENDING_QUERIES) {
      queriesBusy.increment();
      message.fail(503, "storage is busy: " + pendingQueries + " queries waiting");
      return;
    }
    pendingQueries++;
    queryThread
        .executeBlocking(query, true)
        .onComplete(
            done -> {
              pendingQueries--;
              if (done.succeeded()) {
                message.reply(done.result());
              } else {
                queriesError.increment();
                LOG.error("Storage query failed", done.cause());
                message.fail(500, "storage query failed");
              }
            });
  }
}
