package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The command source against a real in-process Kafka (KRaft) broker. A consumer on {@link
 * Addresses#COMMANDS} stands in for the MQTT broker, the other side of the bus contract: {@code
 * echo} answers with the params, {@code offline} fails with 503, {@code slow} never answers.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaCommandSourceVerticleIT {

  private static final String COMMANDS = "it.commands";
  private static final String REPLIES = "it.command-replies";
  private static final String OTHER_REPLIES = "it.other-replies";
  private static final String GROUP = "it-commands";
  private static final MeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static final List<JsonObject> BUS_REQUESTS = new CopyOnWriteArrayList<>();

  private static EmbeddedKafka kafka;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx shared) throws Exception {
    kafka = EmbeddedKafka.start();
    kafka.createTopics(COMMANDS, REPLIES, OTHER_REPLIES);
    vertx = shared;
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.COMMANDS,
            message -> {
              JsonObject command = message.body();
              BUS_REQUESTS.add(command);
              switch (command.getString("name")) {
                case "echo" ->
                    message.reply(new JsonObject().put("accepted", true).put("echo", command));
                case "offline" -> message.fail(503, "device offline");
                default -> {} // "slow": no answer, the request times out
              }
            })
        .completion()
        .await(10, TimeUnit.SECONDS);
    KafkaCommandConfig config =
        new KafkaCommandConfig(
            kafka.bootstrapServers(),
            COMMANDS,
            REPLIES,
            GROUP,
            "it-commands",
            "it-node",
            Duration.ofSeconds(1),
            50,
            "earliest",
            Duration.ofMillis(200));
    vertx
        .deployVerticle(new KafkaCommandSourceVerticle(config, REGISTRY))
        .await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static void produce(String key, String value) throws Exception {
    kafka.produce(COMMANDS, key, value.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  private static JsonObject json(ConsumerRecord<String, byte[]> record) {
    return new JsonObject(new String(record.value(), StandardCharsets.UTF_8));
  }

  private static double replied(String status) {
    var counter = REGISTRY.find("busbar.kafka.commands.replied").tag("status", status).counter();
    return counter == null ? 0 : counter.count();
  }

  /**
   * Verifies the round trip: a command produced to Kafka reaches the bus consumer, and its answer
   * lands on the reply topic with the same correlation id, keyed by device, as a CloudEvent.
   */
  @Test
  void commandRoundTrip() throws Exception {
    produce(
        "pump-1",
        "{\"name\":\"echo\",\"tenant\":\"acme\",\"params\":{\"rpm\":1200},\"correlationId\":\"rt-1\"}");

    ConsumerRecord<String, byte[]> reply =
        kafka.awaitRecordWithHeader(REPLIES, "ce_correlationid", "rt-1");

    assertThat(reply.key()).isEqualTo("pump-1");
    JsonObject value = json(reply);
    assertThat(value.getString("status")).isEqualTo("ok");
    assertThat(value.getString("correlationId")).isEqualTo("rt-1");
    assertThat(value.getString("name")).isEqualTo("echo");
    assertThat(value.getJsonObject("response").getBoolean("accepted")).isTrue();
    assertThat(BUS_REQUESTS)
        .contains(
            new JsonObject()
                .put("device", "pump-1")
                .put("name", "echo")
                .put("params", new JsonObject().put("rpm", 1200))
                .put("correlationId", "rt-1")
                .put("tenant", "acme"));
    assertThat(EmbeddedKafka.headers(reply))
        .containsEntry("ce_specversion", "1.0")
        .containsEntry("ce_type", "io.busbar.command.reply.v1")
        .containsEntry("ce_source", "/busbar/it-node/commands")
        .containsEntry("ce_subject", "pump-1")
        .containsEntry("ce_tenant", "acme")
        .containsEntry("content-type", "application/json")
        .containsKeys("ce_id", "ce_time");
  }

  /** Verifies that a refused command and an unanswered one get failed and timeout replies. */
  @Test
  void failuresAndTimeoutsAreReplied() throws Exception {
    produce("pump-2", "{\"name\":\"offline\",\"correlationId\":\"fail-1\"}");
    produce("pump-3", "{\"name\":\"slow\",\"correlationId\":\"slow-1\"}");

    JsonObject failed = json(kafka.awaitRecordWithHeader(REPLIES, "ce_correlationid", "fail-1"));
    JsonObject slow = json(kafka.awaitRecordWithHeader(REPLIES, "ce_correlationid", "slow-1"));

    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getInteger("code")).isEqualTo(503);
    assertThat(failed.getString("error")).isEqualTo("device offline");
    assertThat(slow.getString("status")).isEqualTo("timeout");
  }

  /**
   * Verifies that a record that is not JSON gets an invalid reply with the reason, and that the
   * commands after it are still executed.
   */
  @Test
  void malformedRecordIsRepliedAndReadingGoesOn() throws Exception {
    kafka.produce(
        COMMANDS,
        "pump-4",
        "this is not json".getBytes(StandardCharsets.UTF_8),
        Map.of("ce_id", "bad-1"));
    produce("pump-4", "{\"name\":\"echo\",\"correlationId\":\"after-bad-1\"}");

    ConsumerRecord<String, byte[]> invalid =
        kafka.awaitRecordWithHeader(REPLIES, "ce_correlationid", "bad-1");
    JsonObject next = json(kafka.awaitRecordWithHeader(REPLIES, "ce_correlationid", "after-bad-1"));

    assertThat(invalid.key()).isEqualTo("pump-4");
    assertThat(json(invalid).getString("status")).isEqualTo("invalid");
    assertThat(json(invalid).getString("error")).contains("not a JSON object");
    assertThat(next.getString("status")).isEqualTo("ok");
    assertThat(replied("invalid")).isGreaterThanOrEqualTo(1);
  }

  /** Verifies that a command's replyTo sends its reply to that topic instead. */
  @Test
  void replyToChoosesTheTopic() throws Exception {
    produce(
        "pump-5",
        "{\"name\":\"echo\",\"correlationId\":\"other-1\",\"replyTo\":\"" + OTHER_REPLIES + "\"}");

    ConsumerRecord<String, byte[]> reply =
        kafka.awaitRecordWithHeader(OTHER_REPLIES, "ce_correlationid", "other-1");

    assertThat(json(reply).getString("status")).isEqualTo("ok");
  }

  /** Verifies that offsets are committed once the replies are produced (at least once). */
  @Test
  void offsetsAreCommittedAfterReplies() throws Exception {
    produce("pump-6", "{\"name\":\"echo\",\"correlationId\":\"commit-1\"}");
    kafka.awaitRecordWithHeader(REPLIES, "ce_correlationid", "commit-1");

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    long committed = -1;
    long end = kafka.endOffsetTotal(COMMANDS);
    while (System.nanoTime() < deadline) {
      committed = kafka.committedTotal(GROUP, COMMANDS);
      end = kafka.endOffsetTotal(COMMANDS);
      if (committed == end) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(committed).isEqualTo(end);
    assertThat(REGISTRY.get("busbar.kafka.commands.received").counter().count())
        .isGreaterThanOrEqualTo(1);
  }
}
