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
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.kafka.client.producer.KafkaWriteStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
  private Gauge spoolDepth;
  private final AtomicLong lastFailureLog = new AtomicLong();

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
    var bus = vertx.eventBus();
    // local: every node forwards what it ingested, so each event reaches Kafka once
    consumers.add(bus.<Object>localConsumer(Addresses.EVENTS, this::onEvents));
    consumers.add(bus.<Object>localConsumer(Addresses.DEAD_LETTERS, this::onDeadLetter));
    List<Future<Void>> registered = new ArrayList<>();
    consumers.forEach(c -> registered.add(c.completion()));
    return Future.all(registered)
        .onSuccess(
            ok ->
                LOG.info(
                    "Kafka sink started: {} -> {}, {}",
                    config.bootstrapServers(),
                    config.telemetryTopic(),
                    config.deadLetterTopic()));
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
        .onComplete(
            done -> {
              if (spoolDepth != null) {
                registry.remove(spoolDepth);
              }
            });
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
    pump();
  }

  private void onDeadLetter(Message<Object> message) {
    if (!(message.body() instanceof DeadLetter deadLetter)) {
      droppedUnexpectedType.increment();
      return;
    }
    enqueue(records.deadLetter(config.deadLetterTopic(), deadLetter));
    pump();
  }

  private void enqueue(ProducerRecord<String, byte[]> record) {
    if (!spool.offer(record)) {
      droppedSpoolFull.increment();
    }
  }

  /** Hands records to the producer as far as the spool's window and the back-off allow. */
  private void pump() {
    while (!holding && spool.canTake()) {
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
      (entry.item().topic().equals(config.telemetryTopic()) ? sentTelemetry : sentDeadLetters)
          .increment();
      backoffMillis = config.retryBackoff().toMillis();
    } else if (isPermanent(cause)) {
      spool.rejected(entry);
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
