package io.busbar.verticles.kafka;

import io.busbar.codecs.bus.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaReadStream;
import io.vertx.kafka.client.producer.KafkaWriteStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets backend applications command devices through Kafka: reads the command topic, sends each
 * {@link Command} as a request to {@link Addresses#COMMANDS} and produces the outcome to the reply
 * topic (or the command's {@code replyTo}) with the same correlation id and CloudEvents headers
 * ({@code ce_type=io.busbar.command.reply.v1}, see {@link CommandReplies} for the value).
 *
 * <p>The consumer on {@link Addresses#COMMANDS} belongs to the MQTT broker (another team's
 * verticle): it publishes the command to {@code devices/{device}/commands/{name}} and replies with
 * the device's response. Without it every reply says {@code no-handler}.
 *
 * <p>At least once: commands are read in rounds of up to {@code maxPollRecords}; commands for the
 * same device run one after another, in record order, different devices concurrently. A record's
 * offset is committed only after its reply was produced. If a reply cannot be produced, the
 * partition is rewound to that record and read again after {@code retryBackoff}; the reply already
 * known is produced again without commanding the device twice, but commands after it in the same
 * partition may be executed again. A record that is not a valid command gets an {@code invalid}
 * reply naming the reason, and reading goes on.
 *
 * <p>Metrics: {@code busbar.kafka.commands.received}, {@code
 * busbar.kafka.commands.replied{status}}, {@code busbar.kafka.commands.reply.failed}.
 */
public final class KafkaCommandSourceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaCommandSourceVerticle.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

  private final KafkaCommandConfig config;
  private final MeterRegistry registry;
  private final CloudEventRecords records;
  private final Counter received;
  private final Counter replyFailed;

  // event-loop state
  private KafkaReadStream<String, byte[]> consumer;
  private KafkaWriteStream<String, byte[]> producer;

  /** Replies that could not be produced yet, by record, so a re-read does not re-execute. */
  private final Map<String, ProducerRecord<String, byte[]>> unsentReplies = new HashMap<>();

  private boolean stopping;
  private Promise<Void> idle;
  private boolean polling;

  public KafkaCommandSourceVerticle(KafkaCommandConfig config, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.records = new CloudEventRecords(config.nodeId());
    this.received =
        Counter.builder("busbar.kafka.commands.received")
            .description("Command records read from Kafka")
            .register(registry);
    this.replyFailed =
        Counter.builder("busbar.kafka.commands.reply.failed")
            .description("Command replies that could not be produced; the command is read again")
            .register(registry);
  }

  /**
   * Subscribes to the command topic and starts reading. Does not wait for Kafka.
   *
   * @return fails with a {@link org.apache.kafka.common.KafkaException} if the client settings are
   *     refused
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
      consumer =
          KafkaReadStream.create(
              vertx,
              config.consumerProperties(),
              new StringDeserializer(),
              new ByteArrayDeserializer());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    consumer.exceptionHandler(e -> LOG.warn("Kafka command consumer: {}", e.toString()));
    // replies kept for a partition are stale once another node owns it
    consumer.partitionsRevokedHandler(revoked -> unsentReplies.clear());
    return consumer
        .subscribe(Set.of(config.commandTopic()))
        .onSuccess(
            ok -> {
              LOG.info(
                  "Kafka command source started: {} {} -> {}",
                  config.bootstrapServers(),
                  config.commandTopic(),
                  config.replyTopic());
              pollNext();
            });
  }

  /** Finishes the current round (its replies and commit), then closes the clients. */
  @Override
  public Future<?> stop() {
    stopping = true;
    Future<Void> roundDone;
    if (polling) {
      idle = Promise.promise();
      roundDone = idle.future();
    } else {
      roundDone = Future.succeededFuture();
    }
    return roundDone.transform(
        ignored ->
            Future.join(
                consumer == null ? Future.succeededFuture() : consumer.close(),
                producer == null ? Future.succeededFuture() : producer.close()));
  }

  private void pollNext() {
    if (stopping) {
      polling = false;
      if (idle != null) {
        idle.tryComplete();
      }
      return;
    }
    polling = true;
    consumer
        .poll(POLL_TIMEOUT)
        .compose(this::executeRound)
        .onComplete(
            done -> {
              if (done.succeeded()) {
                pollNext();
              } else {
                LOG.warn(
                    "Kafka command round failed ({}); reading again in {}",
                    done.cause().toString(),
                    config.retryBackoff());
                vertx.setTimer(config.retryBackoff().toMillis(), t -> pollNext());
              }
            });
  }

  /**
   * Executes one round of records, then commits what was replied to and rewinds what was not.
   *
   * @return fails if a reply could not be produced or the commit failed (the records are read
   *     again)
   */
  private Future<Void> executeRound(ConsumerRecords<String, byte[]> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    // commands for one device run in record order; a null key gets a chain of its own
    Map<String, Future<Void>> chains = new HashMap<>();
    Map<ConsumerRecord<String, byte[]>, Future<Void>> outcomes = new LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> record : batch) {
      String chainKey =
          record.key() != null
              ? "k:" + record.key()
              : "r:" + record.partition() + ":" + record.offset();
      Future<Void> previous = chains.getOrDefault(chainKey, Future.succeededFuture());
      Future<Void> outcome = previous.transform(ignored -> execute(record));
      chains.put(chainKey, outcome);
      outcomes.put(record, outcome);
    }
    return Future.join(new ArrayList<>(outcomes.values()))
        .transform(ignored -> commitOrRewind(batch, outcomes));
  }

  private Future<Void> commitOrRewind(
      ConsumerRecords<String, byte[]> batch,
      Map<ConsumerRecord<String, byte[]>, Future<Void>> outcomes) {
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    Map<TopicPartition, Long> rewind = new HashMap<>();
    for (TopicPartition partition : batch.partitions()) {
      List<ConsumerRecord<String, byte[]>> inPartition = batch.records(partition);
      long firstFailed = -1;
      for (ConsumerRecord<String, byte[]> record : inPartition) {
        if (outcomes.get(record).failed()) {
          firstFailed = record.offset();
          break;
        }
      }
      long next =
          firstFailed >= 0 ? firstFailed : inPartition.get(inPartition.size() - 1).offset() + 1;
      if (next > inPartition.get(0).offset()) {
        commit.put(partition, new OffsetAndMetadata(next));
      }
      if (firstFailed >= 0) {
        rewind.put(partition, firstFailed);
      }
    }
    Future<Void> committed =
        commit.isEmpty() ? Future.succeededFuture() : consumer.commit(commit).mapEmpty();
    return committed.compose(
        ok -> {
          if (rewind.isEmpty()) {
            return Future.succeededFuture();
          }
          List<Future<Void>> seeks = new ArrayList<>();
          rewind.forEach((partition, offset) -> seeks.add(consumer.seek(partition, offset)));
          return Future.all(seeks)
              .compose(
                  sought ->
                      Future.failedFuture(
                          "replies not produced for "
                              + rewind
                              + "; those commands are read again"));
        });
  }

  /** Executes one record and produces its reply; fails only if the reply was not produced. */
  private Future<Void> execute(ConsumerRecord<String, byte[]> record) {
    String recordId = record.topic() + "/" + record.partition() + "/" + record.offset();
    ProducerRecord<String, byte[]> known = unsentReplies.get(recordId);
    if (known != null) {
      return produce(recordId, known, statusOf(known));
    }
    received.increment();
    Command command;
    try {
      command = Command.parse(record.key(), record.value());
    } catch (InvalidCommandException e) {
      String correlationId = correlationIdOf(record);
      LOG.debug("Invalid command {}: {}", recordId, e.getMessage());
      JsonObject reply = CommandReplies.invalid(correlationId, record.key(), e.getMessage());
      return produce(
          recordId,
          records.commandReply(config.replyTopic(), record.key(), null, correlationId, reply),
          CommandReplies.INVALID);
    }
    DeliveryOptions options =
        new DeliveryOptions().setSendTimeout(config.requestTimeout().toMillis());
    String replyTopic = command.replyTo() != null ? command.replyTo() : config.replyTopic();
    return vertx
        .eventBus()
        .request(Addresses.COMMANDS, command.toBusRequest(), options)
        .transform(
            answer -> {
              JsonObject reply =
                  answer.succeeded()
                      ? CommandReplies.ok(command, answer.result().body())
                      : CommandReplies.failed(command, answer.cause());
              return produce(
                  recordId,
                  records.commandReply(
                      replyTopic,
                      command.device(),
                      command.tenant(),
                      command.correlationId(),
                      reply),
                  CommandReplies.status(reply));
            });
  }

  private Future<Void> produce(
      String recordId, ProducerRecord<String, byte[]> reply, String status) {
    return producer
        .send(reply)
        .transform(
            sent -> {
              if (sent.succeeded()) {
                unsentReplies.remove(recordId);
                registry.counter("busbar.kafka.commands.replied", "status", status).increment();
                return Future.<Void>succeededFuture();
              }
              unsentReplies.put(recordId, reply);
              replyFailed.increment();
              return Future.<Void>failedFuture(sent.cause());
            });
  }

  /**
   * The correlation id to answer an unreadable record with: the value's {@code correlationId} if it
   * can be read, else the record's {@code ce_id} header, else {@code topic/partition/offset}.
   */
  static String correlationIdOf(ConsumerRecord<String, byte[]> record) {
    String id = record.value() == null ? null : Command.correlationIdOf(record.value());
    if (id != null) {
      return id;
    }
    Header ceId = record.headers().lastHeader("ce_id");
    if (ceId != null && ceId.value() != null && ceId.value().length > 0) {
      return new String(ceId.value(), StandardCharsets.UTF_8);
    }
    return record.topic() + "/" + record.partition() + "/" + record.offset();
  }

  private static String statusOf(ProducerRecord<String, byte[]> reply) {
    try {
      return new JsonObject(new String(reply.value(), StandardCharsets.UTF_8)).getString("status");
    } catch (RuntimeException e) {
      return "unknown";
    }
  }
}
