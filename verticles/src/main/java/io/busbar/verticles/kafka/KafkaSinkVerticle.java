package io.busbar.verticles.kafka;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.kafka.client.producer.KafkaWriteStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every event and dead letter ingested on this node to Kafka: one record per event on the
 * telemetry topic, one per dead letter on the dead-letter topic, keyed by device id, with
 * CloudEvents binary-mode headers ({@link CloudEventRecords}).
 *
 * <p>Delivery: records go through a bounded {@link Spool}. The producer is idempotent ({@code
 * acks=all}) and retries by itself until {@code deliveryTimeout}; a record that still fails (Kafka
 * unreachable) returns to the spool, counted in {@code busbar.kafka.failed}, and is tried again
 * after an exponential back-off, one record at a time until Kafka answers, then at full speed (the
 * first record after start is such a probe too). So delivery resumes by itself when Kafka comes
 * back and nothing spooled is lost. When the spool is full, new records are dropped and counted in
 * {@code busbar.kafka.dropped{reason=spool_full}}; records Kafka refuses for good (too large) in
 * {@code reason=rejected}; records still spooled when the verticle stops and Kafka does not take
 * them within {@code deliveryTimeout}, in {@code reason=shutdown}. {@code busbar.kafka.sent{type}}
 * counts acknowledged records and {@code busbar.kafka.spool.depth} shows the records not yet
 * acknowledged.
 *
 * <p>On disk: with a {@code spoolDir} every spooled record is also appended to a segment file
 * ({@link SpoolSegments}, CRC-framed, forced to disk by {@code spoolFsync}) on a spool-writer
 * thread, and acknowledged there once Kafka took it; fully delivered segments are deleted. A stop
 * then keeps what Kafka did not take on disk instead of dropping it (no {@code reason=shutdown}),
 * and the next sink on the directory sends those records first, in their old order, before new ones
 * — so records spooled while Kafka is down survive a restart, kill -9 or crash of the node
 * (delivery is at least once: a record delivered just before a crash may be sent again). {@code
 * busbar.kafka.spool.recovered} counts records read back at start, {@code
 * busbar.kafka.spool.write.failed} appends that failed (e.g. disk full; the record is still in
 * memory and still delivered unless the process dies).
 *
 * <p>Cluster: the bus consumers are local, so each node forwards the events decoded on that node,
 * and every event reaches Kafka once, not once per node.
 */
public final class KafkaSinkVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSinkVerticle.class);

  private final KafkaSinkConfig config;
  private final MeterRegistry registry;
  private final CloudEventRecords records;
  private final Spool<ProducerRecord<String, byte[]>> spool;

  private final Counter sentTelemetry;
  private final Counter sentDeadLetters;
  private final Counter failed;
  private final Counter droppedSpoolFull;
  private final Counter droppedRejected;
  private final Counter droppedShutdown;
  private final Counter droppedUnexpectedType;
  private final Counter spoolRecovered;
  private final Counter spoolWriteFailed;
  private Gauge spoolDepth;
  private final AtomicLong lastFailureLog = new AtomicLong();

  // the on-disk spool (spoolDir set): touched only on the spool-writer thread
  private SpoolSegments segments;
  private WorkerExecutor spoolWriter;
  private long fsyncTimer = -1;
  // event-loop buffers for the writer: appends and acknowledgements not yet handed over
  private List<SpooledRecordCodec.Spooled> toAppend = new ArrayList<>();
  private List<Long> toAcknowledge = new ArrayList<>();
  private boolean acknowledgeScheduled;
  private boolean stopping;

  // event-loop state
  private KafkaWriteStream<String, byte[]> producer;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private boolean holding;
  private long backoffMillis;
  private long retryTimer = -1;
  private Promise<Void> drained;

  public KafkaSinkVerticle(KafkaSinkConfig config, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.records = new CloudEventRecords(config.nodeId());
    this.spool = new Spool<>(config.spoolCapacity(), config.maxInFlight());
    this.sentTelemetry = sent("telemetry");
    this.sentDeadLetters = sent("deadletter");
    this.failed =
        Counter.builder("busbar.kafka.failed")
            .description("Deliveries to Kafka that failed; the record went back to the spool")
            .register(registry);
    this.droppedSpoolFull = dropped("spool_full");
    this.droppedRejected = dropped("rejected");
    this.droppedShutdown = dropped("shutdown");
    this.droppedUnexpectedType = dropped("unexpected_type");
    this.spoolRecovered =
        Counter.builder("busbar.kafka.spool.recovered")
            .description("Records read back from the on-disk spool at start, to be delivered")
            .register(registry);
    this.spoolWriteFailed =
        Counter.builder("busbar.kafka.spool.write.failed")
            .description("Records that could not be appended to the on-disk spool")
            .register(registry);
    this.backoffMillis = config.retryBackoff().toMillis();
  }

  private Counter sent(String type) {
    return Counter.builder("busbar.kafka.sent")
        .description("Records acknowledged by Kafka")
        .tag("type", type)
        .register(registry);
  }

  private Counter dropped(String reason) {
    return Counter.builder("busbar.kafka.dropped")
        .description("Records that will never reach Kafka")
        .tag("reason", reason)
        .register(registry);
  }

  /**
   * Creates the producer and starts consuming. Does not wait for Kafka: records spool until it
   * answers.
   *
   * @return fails with a {@link org.apache.kafka.common.KafkaException} if the producer settings
   *     are refused (e.g. no bootstrap server resolves)
   */
  @Override
  public Future<?> start() {
    try {
      producer =
          KafkaWriteStream.create(
              vertx,
              config.producerProperties(),
              new StringSerializer(),
              new ByteArraySerializer());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    // failures are handled per record through send()'s future; without a handler the client
    // would also report each one to the context as unhandled
    producer.exceptionHandler(e -> LOG.debug("Kafka producer: {}", e.toString()));
    spoolDepth =
        Gauge.builder("busbar.kafka.spool.depth", spool, Spool::depth)
            .description("Records waiting for Kafka or not yet acknowledged")
            .register(registry);
    return openSpoolDir()
        .onFailure(
            e -> {
              producer.close();
              if (spoolWriter != null) {
                spoolWriter.close();
              }
            })
        .compose(
            recovered -> {
              var bus = vertx.eventBus();
              // local: every node forwards what it ingested, so each event reaches Kafka once
              consumers.add(bus.<Object>localConsumer(Addresses.EVENTS, this::onEvents));
              consumers.add(bus.<Object>localConsumer(Addresses.DEAD_LETTERS, this::onDeadLetter));
              List<Future<Void>> registered = new ArrayList<>();
              consumers.forEach(c -> registered.add(c.completion()));
              pump();
              return Future.all(registered)
                  .onSuccess(
                      ok ->
                          LOG.info(
                              "Kafka sink started: {} -> {}, {}{}",
                              config.bootstrapServers(),
                              config.telemetryTopic(),
                              config.deadLetterTopic(),
                              config.spoolDir() == null
                                  ? ""
                                  : ", spool "
                                      + config.spoolDir()
                                      + (recovered > 0
                                          ? " (" + recovered + " records recovered)"
                                          : "")));
            });
  }

  /**
   * Opens the spool directory and puts the records found there back into the spool, oldest first.
   *
   * @return how many were recovered; fails with an {@link java.io.IOException} if the directory
   *     cannot be created or read
   */
  private Future<Integer> openSpoolDir() {
    if (config.spoolDir() == null) {
      return Future.succeededFuture(0);
    }
    spoolWriter = vertx.createSharedWorkerExecutor("busbar-kafka-spool-" + UUID.randomUUID(), 1);
    List<SpooledRecordCodec.Spooled> recovered = new ArrayList<>();
    return spoolWriter
        .executeBlocking(
            () ->
                SpoolSegments.open(
                    config.spoolDir(),
                    config.spoolSegmentBytes(),
                    config.spoolFsync(),
                    config.spoolFsyncInterval(),
                    recovered),
            true)
        .map(
            opened -> {
              segments = opened;
              spool.continueAfter(opened.lastSequence());
              for (SpooledRecordCodec.Spooled r : recovered) {
                spool.restore(r.sequence(), r.record());
              }
              spoolRecovered.increment(recovered.size());
              if (opened.undecodable() > 0) {
                LOG.warn(
                    "Kafka spool {}: skipped {} unreadable records",
                    config.spoolDir(),
                    opened.undecodable());
              }
              if (config.spoolFsync() == SpoolFsync.INTERVAL) {
                fsyncTimer =
                    vertx.setPeriodic(
                        config.spoolFsyncInterval().toMillis(),
                        t -> {
                          SpoolSegments files = segments;
                          if (files != null) {
                            onSpoolWriter(files::sync);
                          }
                        });
              }
              return recovered.size();
            });
  }

  /**
   * Stops consuming, gives the spool up to {@code deliveryTimeout} to drain, counts what was never
   * handed to the producer as dropped, then closes the producer (which waits up to {@code
   * deliveryTimeout} for the records in flight).
   */
  @Override
  public Future<?> stop() {
    List<Future<Void>> unregistered = new ArrayList<>();
    consumers.forEach(c -> unregistered.add(c.unregister()));
    if (segments != null) {
      return Future.all(unregistered).transform(ignored -> stopWithSpoolDir());
    }
    return Future.all(unregistered)
        .transform(ignored -> awaitDrained(config.deliveryTimeout()))
        .transform(
            ignored -> {
              vertx.cancelTimer(retryTimer);
              // records in flight are the producer's now: close() waits for them
              int left = spool.drain().size();
              if (left > 0) {
                droppedShutdown.increment(left);
                LOG.warn("Kafka sink stopped with {} records not delivered", left);
              }
              return producer == null
                  ? Future.<Void>succeededFuture()
                  : producer.close(config.deliveryTimeout().toMillis());
            })
        .onComplete(done -> removeGauge());
  }

  /**
   * Sends nothing more, lets the producer finish the records in flight (up to {@code
   * deliveryTimeout}), writes the last acknowledgements and closes the segments: what Kafka did not
   * take stays on disk for the next start.
   */
  private Future<Void> stopWithSpoolDir() {
    stopping = true;
    vertx.cancelTimer(retryTimer);
    vertx.cancelTimer(fsyncTimer);
    Future<Void> closed =
        producer == null
            ? Future.succeededFuture()
            : producer.close(config.deliveryTimeout().toMillis());
    return closed
        .transform(
            ignored -> {
              flushAppends();
              flushAcknowledgements();
              int left = spool.depth();
              if (left > 0) {
                LOG.info(
                    "Kafka sink stopped; {} records stay spooled in {}", left, config.spoolDir());
              }
              SpoolSegments files = segments;
              // later producer callbacks must not reach the closed files
              segments = null;
              return onSpoolWriter(files::close);
            })
        .eventually(spoolWriter::close)
        .onComplete(done -> removeGauge());
  }

  private void removeGauge() {
    if (spoolDepth != null) {
      registry.remove(spoolDepth);
    }
  }

  /** Work on the spool-writer thread, in submission order; a failure is logged and returned. */
  private Future<Void> onSpoolWriter(SpoolWork work) {
    return spoolWriter
        .<Void>executeBlocking(
            () -> {
              work.run();
              return null;
            },
            true)
        .onFailure(e -> LOG.error("Kafka spool {}: {}", config.spoolDir(), e.toString()));
  }

  private interface SpoolWork {
    void run() throws java.io.IOException;
  }

  /** Hands the records spooled since the last call to the writer thread, to append. */
  private void flushAppends() {
    if (toAppend.isEmpty() || segments == null) {
      return;
    }
    List<SpooledRecordCodec.Spooled> batch = toAppend;
    toAppend = new ArrayList<>();
    SpoolSegments files = segments;
    onSpoolWriter(() -> files.append(batch))
        .onFailure(e -> spoolWriteFailed.increment(batch.size()));
  }

  /** Hands the sequences delivered since the last call to the writer thread. */
  private void flushAcknowledgements() {
    acknowledgeScheduled = false;
    if (toAcknowledge.isEmpty() || segments == null) {
      return;
    }
    long[] sequences = toAcknowledge.stream().mapToLong(Long::longValue).toArray();
    toAcknowledge = new ArrayList<>();
    SpoolSegments files = segments;
    onSpoolWriter(() -> files.acknowledge(sequences));
  }

  /** Remembers that a record left the spool; acknowledgements of one turn share one write. */
  private void acknowledge(Spool.Entry<ProducerRecord<String, byte[]>> entry) {
    if (segments == null) {
      return;
    }
    toAcknowledge.add(entry.sequence());
    if (!acknowledgeScheduled) {
      acknowledgeScheduled = true;
      context.runOnContext(v -> flushAcknowledgements());
    }
  }

  private Future<Void> awaitDrained(Duration timeout) {
    if (spool.depth() == 0 || producer == null) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    long timer = vertx.setTimer(timeout.toMillis(), t -> drained.tryComplete());
    return drained.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  private void onEvents(Message<Object> message) {
    if (!(message.body() instanceof EventBatch batch)) {
      droppedUnexpectedType.increment();
      return;
    }
    for (Event e : batch.events()) {
      enqueue(records.telemetry(config.telemetryTopic(), e));
    }
    // to the writer before the producer: an acknowledgement always follows its append
    flushAppends();
    pump();
  }

  private void onDeadLetter(Message<Object> message) {
    if (!(message.body() instanceof DeadLetter deadLetter)) {
      droppedUnexpectedType.increment();
      return;
    }
    enqueue(records.deadLetter(config.deadLetterTopic(), deadLetter));
    flushAppends();
    pump();
  }

  private void enqueue(ProducerRecord<String, byte[]> record) {
    Spool.Entry<ProducerRecord<String, byte[]>> entry = spool.add(record);
    if (entry == null) {
      droppedSpoolFull.increment();
    } else if (segments != null) {
      toAppend.add(new SpooledRecordCodec.Spooled(entry.sequence(), record));
    }
  }

  /** Hands records to the producer as far as the spool's window and the back-off allow. */
  private void pump() {
    while (!holding && !stopping && spool.canTake()) {
      Spool.Entry<ProducerRecord<String, byte[]>> entry = spool.take();
      producer.send(entry.item()).onComplete(ar -> onSent(entry, ar.result(), ar.cause()));
    }
    if (drained != null && spool.depth() == 0) {
      drained.tryComplete();
    }
  }

  private void onSent(
      Spool.Entry<ProducerRecord<String, byte[]>> entry, RecordMetadata meta, Throwable cause) {
    if (cause == null) {
      spool.delivered(entry);
      acknowledge(entry);
      (entry.item().topic().equals(config.telemetryTopic()) ? sentTelemetry : sentDeadLetters)
          .increment();
      backoffMillis = config.retryBackoff().toMillis();
    } else if (isPermanent(cause)) {
      spool.rejected(entry);
      acknowledge(entry);
      droppedRejected.increment();
      LOG.warn("Kafka refused a record for {}: {}", entry.item().topic(), cause.toString());
    } else {
      spool.failed(entry);
      failed.increment();
      holdForBackoff(cause);
    }
    pump();
  }

  /** Pauses sending for the current back-off, then doubles it (up to the maximum). */
  private void holdForBackoff(Throwable cause) {
    if (holding) {
      return;
    }
    holding = true;
    long now = System.nanoTime();
    long last = lastFailureLog.get();
    if (now - last > Duration.ofSeconds(10).toNanos() && lastFailureLog.compareAndSet(last, now)) {
      LOG.warn(
          "Kafka delivery failed ({}), {} records spooled; retrying in {} ms",
          cause.toString(),
          spool.depth(),
          backoffMillis);
    }
    retryTimer =
        vertx.setTimer(
            backoffMillis,
            t -> {
              holding = false;
              pump();
            });
    backoffMillis = Math.min(backoffMillis * 2, config.retryBackoffMax().toMillis());
  }

  /** True for errors about the record itself, which no retry can cure. */
  static boolean isPermanent(Throwable cause) {
    return cause instanceof RecordTooLargeException
        || cause instanceof RecordBatchTooLargeException
        || cause instanceof SerializationException
        || cause instanceof InvalidTopicException;
  }
}
