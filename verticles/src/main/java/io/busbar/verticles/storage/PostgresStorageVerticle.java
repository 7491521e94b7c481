package io.busbar.verticles.storage;

import io.busbar.codecs.bus.Addresses;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the events and dead letters this node receives in a PostgreSQL database shared by the
 * cluster, and answers history queries from it: the same event-bus contract as the embedded {@link
 * StorageVerticle}, for clusters whose nodes should see one store.
 *
 * <p>Ownership: {@link Addresses#EVENTS} and {@link Addresses#DEAD_LETTERS} are consumed locally
 * only, so each event is written once, by the node whose broker received it; every node reads every
 * node's rows. Deploy one instance per node.
 *
 * <p>Ingestion: events and dead letters go into one bounded in-memory queue (capacity in rows); at
 * most one batch of at most {@code batchSize} rows is in flight, written with one pipelined {@code
 * executeBatch} per table in one transaction, as soon as {@code batchSize} rows wait, otherwise
 * every {@code flushInterval}. A full queue drops the row ({@code
 * busbar.storage.dropped{reason=queue_full}}); a failed batch (e.g. the database is unreachable) is
 * dropped and counted ({@code reason=write_failed}).
 *
 * <p>Acknowledged ingestion ({@link Addresses#STORAGE_INGEST}, local consumer) works as in {@link
 * StorageVerticle}: taken whole or refused whole (503 queue full, 413 too large, 400 not a batch);
 * the reply comes once the batch is queued, or with {@code ackOnCommit} once PostgreSQL has
 * committed it (durable on the database server by its {@code synchronous_commit} setting; survives
 * kill -9 of this node). A batch already taken here and then published on {@link Addresses#EVENTS}
 * with {@link Addresses#STORED_BY_HEADER} naming this instance is not stored twice.
 *
 * <p>Queries: {@link Addresses#STORAGE_TELEMETRY_QUERY} and {@link
 * Addresses#STORAGE_DEAD_LETTERS_QUERY} with the same requests, replies and errors (400 naming the
 * field, 503 beyond {@link QueryGate#MAX_PENDING} waiting, 500 on a database error). {@link
 * Addresses#STORAGE_EXPORT} (local: the file is on this node's disk) streams the window from
 * PostgreSQL into a Parquet file of the DuckDB store's layout ({@link PostgresParquetExport}).
 *
 * <p>Maintenance: every {@code rollupInterval} this node tries the rollup and retention job ({@link
 * PostgresRollups}: hourly and daily rollups of the shared tables, then per-tenant retention
 * deletes); one node runs it at a time, the others skip. Bucketed queries of an hour or more read
 * the rollups, so they still answer where retention deleted the raw rows. Same meters as {@link
 * StorageVerticle}: {@code busbar.storage.rollup.rows}, {@code busbar.storage.retention.deleted},
 * {@code busbar.storage.maintenance}, {@code busbar.storage.maintenance.failed}.
 *
 * <p>Threads: everything runs on this verticle's event loop; the pool's I/O is non-blocking and its
 * callbacks come back on this context, so the state below needs no locks. Only an export's DuckDB
 * work runs on a worker thread of its own.
 */
public final class PostgresStorageVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresStorageVerticle.class);

  /** Queries accepted but not yet answered; beyond this they fail with 503. */
  private final PostgresStorageConfig config;

  private final MeterRegistry registry;

  /** Rows waiting for the writer; thread-safe only so the gauge can read its size. */
  private final StorageQueue queue;

  /** Names this instance in ingest replies and in {@link Addresses#STORED_BY_HEADER}. */
  private final String instanceId = UUID.randomUUID().toString();

  private final StoreBookkeeping bookkeeping;
  private final QueryGate queries;
  private final LongSupplier clock;
  private Gauge queueDepth;

  private PostgresTelemetryStore store;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long flushTimer = -1;
  private long maintenanceTimerId = -1;
  private WorkerExecutor exportThread;

  // event-loop state
  private final WritePump pump;
  private boolean stopping;

  public PostgresStorageVerticle(PostgresStorageConfig config, MeterRegistry registry) {
    this(config, registry, System::currentTimeMillis);
  }

  /** With a clock (epoch ms) for retention and rollups, so tests can move time. */
  PostgresStorageVerticle(
      PostgresStorageConfig config, MeterRegistry registry, LongSupplier clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    // the same meters as StorageVerticle: dashboards work for either
    this.bookkeeping =
        new StoreBookkeeping(registry, config.queueCapacity(), instanceId, LOG, " to PostgreSQL");
    this.queue = bookkeeping.queue();
    this.pump = new WritePump(queue, config.batchSize(), config.ackOnCommit(), this::writeBatch);
    this.queries = new QueryGate(registry);
  }

  /**
   * Connects, creates the schema if missing, then starts consuming.
   *
   * @return fails with the driver's exception if the database cannot be reached or the schema
   *     cannot be created
   */
  @Override
  public Future<?> start() {
    return PostgresTelemetryStore.open(vertx, config)
        .compose(
            opened -> {
              store = opened;
              queueDepth = queue.registerDepthGauge(registry);
              var bus = vertx.eventBus();
              // local: in a cluster each node stores only what its own broker received
              consumers.add(bus.localConsumer(Addresses.EVENTS, pump::offerEvents));
              consumers.add(bus.localConsumer(Addresses.DEAD_LETTERS, pump::offerDeadLetter));
              consumers.add(bus.localConsumer(Addresses.STORAGE_INGEST, pump::ingest));
              consumers.add(
                  bus.consumer(Addresses.STORAGE_TELEMETRY_QUERY, this::onTelemetryQuery));
              consumers.add(
                  bus.consumer(Addresses.STORAGE_DEAD_LETTERS_QUERY, this::onDeadLetterQuery));
              consumers.add(bus.localConsumer(Addresses.STORAGE_EXPORT, this::onExport));
              exportThread =
                  vertx.createSharedWorkerExecutor("busbar-storage-pg-export-" + instanceId, 1);
              flushTimer =
                  vertx.setPeriodic(config.flushInterval().toMillis(), tick -> pump.request());
              if (!config.rollupInterval().isZero()) {
                maintenanceTimerId =
                    vertx.setPeriodic(config.rollupInterval().toMillis(), tick -> runMaintenance());
              }
              List<Future<Void>> registered = new ArrayList<>();
              consumers.forEach(c -> registered.add(c.completion()));
              return Future.all(registered);
            })
        .onSuccess(
            ok ->
                LOG.info(
                    "Storage started: PostgreSQL {}{}",
                    config.redactedUrl(),
                    store.hypertable() ? " (TimescaleDB hypertable)" : ""));
  }

  /** Stops consuming, writes every queued row, then closes the pool. */
  @Override
  public Future<?> stop() {
    stopping = true;
    Future<?> inFlight = pump.stop();
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(maintenanceTimerId);
    List<Future<Void>> unregistered = new ArrayList<>();
    consumers.forEach(c -> unregistered.add(c.unregister()));
    if (store == null) {
      return Future.all(unregistered);
    }
    return Future.all(unregistered)
        .transform(ignored -> inFlight.transform(written -> drain()))
        .eventually(store::close)
        .eventually(() -> exportThread == null ? Future.succeededFuture() : exportThread.close())
        .onComplete(
            done -> {
              if (queueDepth != null) {
                registry.remove(queueDepth);
              }
              LOG.info("Storage stopped");
            });
  }

  /** Writes batches until the queue is empty. */
  private Future<Void> drain() {
    return queue.isEmpty() ? Future.succeededFuture() : writeBatch().compose(v -> drain());
  }

  // ---- ingestion ----

  /** Writes at most one batch; never fails (a failed batch is counted and its acks failed). */
  private Future<Void> writeBatch() {
    StorageQueue.Batch batch = queue.drain(config.batchSize());
    long started = System.nanoTime();
    return store
        .write(batch.events(), batch.deadLetters())
        .transform(
            done -> {
              // already on this verticle's event loop: acks are answered right here
              if (done.succeeded()) {
                bookkeeping.batchWritten(batch, done.result(), started, Runnable::run);
              } else {
                bookkeeping.batchFailed(batch, done.cause(), Runnable::run);
              }
              return Future.<Void>succeededFuture();
            });
  }

  // ---- queries ----

  private void onTelemetryQuery(Message<Object> message) {
    TelemetryQuery query = queries.parse(message, TelemetryQuery::fromJson);
    if (query == null) {
      return;
    }
    queries.run(message, () -> store.telemetry(query), page -> QueryGate.replyPage(message, page));
  }

  private void onDeadLetterQuery(Message<Object> message) {
    DeadLetterQuery query = queries.parse(message, DeadLetterQuery::fromJson);
    if (query == null) {
      return;
    }
    queries.run(message, () -> store.deadLetters(query), message::reply);
  }

  private void onExport(Message<Object> message) {
    JsonObject body = queries.parse(message, json -> json == null ? new JsonObject() : json);
    if (body == null) {
      return;
    }
    // parsed on the worker: it checks the file system
    queries.run(
        message,
        () ->
            exportThread
                .executeBlocking(() -> ExportRequest.fromJson(body), true)
                .compose(request -> store.export(request, exportThread)),
        message::reply);
  }

  // ---- maintenance ----

  /**
   * Runs rollup and retention passes until caught up (each at most {@link
   * RollupPlan#MAX_HOURS_PER_RUN} hours, so writes go on in between). A no-op (an empty result) if
   * passes are already running here; a pass finding another node's maintenance running does
   * nothing.
   *
   * @return the summed result; fails with the database error of a failed pass
   */
  Future<Rollups.Result> runMaintenance() {
    return bookkeeping.runMaintenance(
        () -> stopping || store == null,
        () -> {
          long started = System.nanoTime();
          return store
              .maintain(clock.getAsLong(), config.retention())
              .map(pass -> bookkeeping.passDone(started, pass));
        });
  }
}
