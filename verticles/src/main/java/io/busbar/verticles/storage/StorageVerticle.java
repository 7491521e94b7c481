package io.busbar.verticles.storage;

import io.busbar.codecs.bus.Addresses;
import io.busbar.security.audit.AuditEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores every event and dead letter published on the event bus in DuckDB and answers history
 * queries.
 *
 * <p>Ingestion: {@link Addresses#EVENTS} and {@link Addresses#DEAD_LETTERS} go into one bounded
 * in-memory queue (capacity in rows). A single writer thread drains it in batches, each appended
 * with the DuckDB appender in one transaction. A batch is written as soon as {@code batchSize} rows
 * wait, otherwise every {@code flushInterval}; it takes every row waiting by then, up to {@value
 * #MAX_BATCH_FACTOR} × {@code batchSize}, so the batch grows with the load. When the queue is full
 * the row is dropped and counted in {@code busbar.storage.dropped{reason=queue_full}}.
 *
 * <p>Acknowledged ingestion ({@link Addresses#STORAGE_INGEST}, local consumer): a batch is taken
 * whole or refused whole with 503 "storage queue full" (counted in {@code
 * busbar.storage.ingest.rejected}), which is the back-pressure signal for the MQTT broker to delay
 * a QoS 1 PUBACK. The guarantee behind a successful reply depends on {@link
 * StorageConfig#ackOnCommit()}:
 *
 * <ul>
 *   <li>{@code false}: the batch is in this JVM's queue. It is written within about {@code
 *       flushInterval}, and a clean stop writes it, but kill -9, a crash or power loss before that
 *       loses it.
 *   <li>{@code true}: the batch has been committed to the database file (DuckDB has written its WAL
 *       record at COMMIT), so it survives kill -9 of the JVM; a query sent after the reply sees it.
 *       Replies waiting at the same time share one commit (group commit); latency is one batch
 *       write. With an in-memory database "committed" protects against nothing.
 * </ul>
 *
 * <p>Audit: the batches of {@link Addresses#AUDIT_STORE} (a local consumer: each node keeps the
 * trail of its own decisions) go through the same queue into the {@code audit} table ({@code
 * busbar.storage.audit.written}); a body that is not an audit event is counted in {@code
 * busbar.storage.dropped{reason=unexpected_type}}. {@link Addresses#STORAGE_AUDIT_QUERY} reads it,
 * newest first.
 *
 * <p>Queries: {@link Addresses#STORAGE_TELEMETRY_QUERY} (raw, bucketed or latest values, paged by a
 * cursor), {@link Addresses#STORAGE_DEAD_LETTERS_QUERY} and {@link Addresses#STORAGE_EXPORT}
 * (Parquet) run on their own worker thread with a second connection, so neither the event loop nor
 * ingestion waits for them. They see committed batches only. A bad request field fails with {@code
 * 400} naming the field, too many waiting queries with {@code 503}, a database error with {@code
 * 500}.
 *
 * <p>Maintenance: every {@code rollupInterval} the writer thread, between two batches, rolls
 * completed hours up into hourly and daily rollups and deletes raw rows past their tenant's
 * retention ({@link Rollups}); bucketed queries of an hour or more read the rollups.
 *
 * <p>{@link #stop()} stops consuming, writes everything still queued, then closes the database, so
 * a clean shutdown loses nothing that was accepted.
 *
 * <p>Every node stores every event it receives (the addresses are published cluster-wide), so each
 * node's database is a full copy and any node can answer a query. Deploy one instance per node: the
 * database file has one writer.
 */
public final class StorageVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);

  /** Queries accepted but not yet answered; beyond this they fail with 503 instead of piling up. */

  /** A write takes up to this many {@code batchSize} batches when that many rows wait. */
  static final int MAX_BATCH_FACTOR = 10;

  private final StorageConfig config;
  private final MeterRegistry registry;
  private final LongSupplier clock;

  /** Names this instance in ingest replies and in {@link Addresses#STORED_BY_HEADER}. */
  private final String instanceId = UUID.randomUUID().toString();

  private final StoreBookkeeping bookkeeping;
  private final StorageQueue queue;
  private final QueryGate queries;
  private final Counter auditWritten;
  private Gauge queueDepth;

  // set in start(); the executors run one task at a time, in submission order
  private TelemetryStore store;
  private WorkerExecutor writerThread;
  private WorkerExecutor queryThread;
  private final List<MessageConsumer<?>> ingestConsumers = new ArrayList<>();
  private final List<MessageConsumer<?>> queryConsumers = new ArrayList<>();
  private long flushTimer = -1;
  private long maintenanceTimerId = -1;

  // event-loop state: only touched on this verticle's context
  private final WritePump pump;
  private boolean stopping;

  public StorageVerticle(StorageConfig config, MeterRegistry registry) {
    this(config, registry, System::currentTimeMillis);
  }

  /** With a clock (epoch ms) for retention and rollups, so tests can move time. */
  StorageVerticle(StorageConfig config, MeterRegistry registry, LongSupplier clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.bookkeeping = new StoreBookkeeping(registry, config.queueCapacity(), instanceId, LOG, "");
    this.queue = bookkeeping.queue();
    this.pump =
        new WritePump(
            queue,
            config.batchSize(),
            config.ackOnCommit(),
            () -> writerThread.executeBlocking(this::writeBatch, true));
    this.auditWritten =
        Counter.builder("busbar.storage.audit.written")
            .description("Audit events committed to the database")
            .register(registry);
    this.queries = new QueryGate(registry);
  }

  /**
   * Opens the database, then starts consuming.
   *
   * @return fails with an {@link java.io.IOException} or {@link SQLException} if the database
   *     cannot be opened (e.g. the file is locked by another process)
   */
  @Override
  public Future<?> start() {
    writerThread = vertx.createSharedWorkerExecutor("busbar-storage-writer-" + instanceId, 1);
    queryThread = vertx.createSharedWorkerExecutor("busbar-storage-query-" + instanceId, 1);
    return writerThread
        .executeBlocking(() -> TelemetryStore.open(config), true)
        .compose(
            opened -> {
              store = opened;
              queueDepth = queue.registerDepthGauge(registry);
              var bus = vertx.eventBus();
              // local consumers: in a cluster each node stores the events its broker decoded (the
              // node that received the PUBLISH owns the event, docs/cluster.md), so each is stored
              // once, not once per node
              ingestConsumers.add(bus.localConsumer(Addresses.EVENTS, pump::offerEvents));
              ingestConsumers.add(bus.localConsumer(Addresses.DEAD_LETTERS, pump::offerDeadLetter));
              ingestConsumers.add(bus.localConsumer(Addresses.STORAGE_INGEST, pump::ingest));
              // each node keeps the audit trail of its own decisions
              ingestConsumers.add(bus.localConsumer(Addresses.AUDIT_STORE, this::onAudit));
              queryConsumers.add(
                  bus.consumer(Addresses.STORAGE_TELEMETRY_QUERY, this::onTelemetryQuery));
              queryConsumers.add(
                  bus.consumer(Addresses.STORAGE_DEAD_LETTERS_QUERY, this::onDeadLetterQuery));
              queryConsumers.add(bus.localConsumer(Addresses.STORAGE_EXPORT, this::onExport));
              queryConsumers.add(bus.consumer(Addresses.STORAGE_AUDIT_QUERY, this::onAuditQuery));
              flushTimer =
                  vertx.setPeriodic(config.flushInterval().toMillis(), tick -> pump.request());
              if (!config.rollupInterval().isZero()) {
                maintenanceTimerId =
                    vertx.setPeriodic(config.rollupInterval().toMillis(), tick -> runMaintenance());
              }
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
    // the writer thread runs drainAndClose after the batch in flight
    pump.stop();
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(maintenanceTimerId);
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

  /** A batch of audit events from an {@code AuditTrail} (a JsonArray of their JSON forms). */
  private void onAudit(Message<Object> message) {
    if (!(message.body() instanceof JsonArray events)) {
      bookkeeping.droppedUnexpectedType().increment();
      return;
    }
    for (Object json : events) {
      try {
        queue.offer(AuditEvent.fromJson((JsonObject) json));
      } catch (ClassCastException | IllegalArgumentException | NullPointerException e) {
        bookkeeping.droppedUnexpectedType().increment();
      }
    }
    pump.offered();
  }

  // ---- writer thread ----

  /**
   * Writes at most one batch; returns the number of rows taken from the queue. A batch takes every
   * row waiting, up to {@link #maxBatchRows()}: under load the rows that arrived while the previous
   * batch was written share one transaction, so the commit (a WAL write and fsync) and the appender
   * set-up are paid per tens of thousands of rows rather than per {@code batchSize}.
   */
  private int writeBatch() {
    StorageQueue.Batch batch = queue.drain(maxBatchRows());
    if (batch.rows() == 0) {
      return 0;
    }
    long started = System.nanoTime();
    try {
      int skipped = store.write(batch.events(), batch.deadLetters(), batch.audits());
      auditWritten.increment(batch.audits().size());
      bookkeeping.batchWritten(batch, skipped, started, this::onContext);
    } catch (SQLException | RuntimeException e) {
      bookkeeping.batchFailed(batch, e, this::onContext);
    }
    return batch.rows();
  }

  /** Runs {@code task} on this verticle's event loop: acks are answered there, not here. */
  private void onContext(Runnable task) {
    context.runOnContext(v -> task.run());
  }

  /**
   * The most rows one transaction takes: {@link #MAX_BATCH_FACTOR} batches (measured with
   * duckdb_jdbc 1.4 on this 2-core machine: a 50,000-row transaction appends 1.3–1.7 times as many
   * rows per second as 5,000-row ones), never more than the queue holds.
   */
  private int maxBatchRows() {
    return (int) Math.min(config.queueCapacity(), (long) config.batchSize() * MAX_BATCH_FACTOR);
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
    TelemetryQuery query = queries.parse(message, TelemetryQuery::fromJson);
    if (query == null) {
      return;
    }
    runQuery(message, () -> store.telemetry(query), page -> QueryGate.replyPage(message, page));
  }

  private void onDeadLetterQuery(Message<Object> message) {
    DeadLetterQuery query = queries.parse(message, DeadLetterQuery::fromJson);
    if (query == null) {
      return;
    }
    runQuery(message, () -> store.deadLetters(query), message::reply);
  }

  private void onAuditQuery(Message<Object> message) {
    AuditQuery query = queries.parse(message, AuditQuery::fromJson);
    if (query == null) {
      return;
    }
    runQuery(message, () -> store.audit(query), message::reply);
  }

  private void onExport(Message<Object> message) {
    JsonObject body = queries.parse(message, json -> json == null ? new JsonObject() : json);
    if (body == null) {
      return;
    }
    // parsed on the query thread: it checks the file system
    runQuery(message, () -> store.export(ExportRequest.fromJson(body)), message::reply);
  }

  /**
   * Runs rollup and retention passes on the writer thread until caught up; each pass (at most
   * {@link Rollups#MAX_HOURS_PER_RUN} hours) is its own task, so batches queued meanwhile are
   * written in between. If passes are already running this call is a no-op (an empty result).
   *
   * @return the summed result; fails with the database error of a failed pass
   */
  Future<Rollups.Result> runMaintenance() {
    return bookkeeping.runMaintenance(
        () -> stopping || store == null,
        () ->
            writerThread.executeBlocking(
                () -> {
                  long started = System.nanoTime();
                  return bookkeeping.passDone(started, store.maintain(clock.getAsLong(), config));
                },
                true));
  }

  /** Runs a blocking query on the query thread, through the shared {@link QueryGate}. */
  private <T> void runQuery(Message<Object> message, Callable<T> query, Consumer<T> reply) {
    queries.run(message, () -> queryThread.executeBlocking(query, true), reply);
  }
}
