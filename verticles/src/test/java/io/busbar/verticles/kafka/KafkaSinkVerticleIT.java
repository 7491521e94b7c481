package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** One Kafka sink against one real in-process Kafka (KRaft) broker, shared by the class. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaSinkVerticleIT {

  private static final String TELEMETRY = "it.telemetry";
  private static final String DEAD_LETTERS = "it.deadletters";
  private static final MeterRegistry REGISTRY = new SimpleMeterRegistry();

  private static EmbeddedKafka kafka;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx shared) throws Exception {
    kafka = EmbeddedKafka.start();
    kafka.createTopics(TELEMETRY, DEAD_LETTERS);
    vertx = shared;
    BusCodecs.register(vertx.eventBus());
    KafkaSinkConfig defaults = KafkaSinkConfig.defaults(kafka.bootstrapServers(), "it-node");
    KafkaSinkConfig config =
        new KafkaSinkConfig(
            kafka.bootstrapServers(),
            TELEMETRY,
            DEAD_LETTERS,
            "it-sink",
            "it-node",
            10_000,
            defaults.maxInFlight(),
            Duration.ofSeconds(10),
            Duration.ofMillis(50),
            Duration.ofSeconds(1));
    vertx.deployVerticle(new KafkaSinkVerticle(config, REGISTRY)).await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static Event reading(String device, long ts, double value) {
    return new Event(
        "acme",
        device,
        "temperature",
        ts,
        Value.of(value),
        Quality.GOOD,
        "°C",
        "devices/" + device + "/telemetry");
  }

  private static JsonObject json(ConsumerRecord<String, byte[]> record) {
    return new JsonObject(new String(record.value(), StandardCharsets.UTF_8));
  }

  /**
   * Verifies that events published on the bus arrive in Kafka keyed by device, with the event JSON
   * as value and CloudEvents binary-mode headers.
   */
  @Test
  void eventsArriveKeyedByDeviceWithCloudEventsHeaders() {
    vertx
        .eventBus()
        .publish(
            Addresses.EVENTS,
            new EventBatch(List.of(reading("ce-1", 1_000, 1.5), reading("ce-2", 2_000, 2.5))));

    List<ConsumerRecord<String, byte[]>> records =
        kafka.consumeMatching(TELEMETRY, r -> r.key().startsWith("ce-"), 2, Duration.ofSeconds(30));

    assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("ce-1", "ce-2");
    ConsumerRecord<String, byte[]> first =
        records.stream().filter(r -> r.key().equals("ce-1")).findFirst().orElseThrow();
    assertThat(json(first).getString("device")).isEqualTo("ce-1");
    assertThat(json(first).getDouble("value")).isEqualTo(1.5);
    assertThat(json(first).getString("topic")).isEqualTo("devices/ce-1/telemetry");
    Map<String, String> headers = EmbeddedKafka.headers(first);
    assertThat(headers)
        .containsEntry("ce_specversion", "1.0")
        .containsEntry("ce_type", "io.busbar.telemetry.v1")
        .containsEntry("ce_source", "/busbar/it-node/devices/ce-1/telemetry")
        .containsEntry("ce_subject", "ce-1")
        .containsEntry("content-type", "application/json");
    assertThat(Instant.parse(headers.get("ce_time"))).isEqualTo(Instant.ofEpochMilli(1_000));
    assertThat(headers.get("ce_id"))
        .isNotEqualTo(EmbeddedKafka.headers(records.get(1)).get("ce_id"));
    assertThat(REGISTRY.get("busbar.kafka.sent").tag("type", "telemetry").counter().count())
        .isGreaterThanOrEqualTo(2);
  }

  /** Verifies that dead letters go to their own topic with their reason and type. */
  @Test
  void deadLettersGoToTheirTopic() {
    vertx
        .eventBus()
        .publish(
            Addresses.DEAD_LETTERS,
            new DeadLetter(
                "acme", "dl-1", "devices/dl-1/telemetry", "not JSON", "oops".getBytes(), 5_000));

    List<ConsumerRecord<String, byte[]>> records =
        kafka.consumeMatching(DEAD_LETTERS, r -> "dl-1".equals(r.key()), 1, Duration.ofSeconds(30));

    assertThat(records).hasSize(1);
    assertThat(json(records.get(0)).getString("reason")).isEqualTo("not JSON");
    assertThat(EmbeddedKafka.headers(records.get(0)))
        .containsEntry("ce_type", "io.busbar.deadletter.v1")
        .containsEntry("ce_subject", "dl-1");
  }

  /**
   * Verifies that the readings of each device arrive in the order they were published, all in one
   * partition, while many devices interleave over several partitions.
   */
  @Test
  void keepsOrderPerDevice() throws Exception {
    int devices = 20;
    int perDevice = 50;
    for (int i = 0; i < perDevice; i++) {
      List<Event> batch = new ArrayList<>();
      for (int d = 0; d < devices; d++) {
        batch.add(reading("order-" + d, 10_000 + i, i));
      }
      vertx.eventBus().publish(Addresses.EVENTS, new EventBatch(batch));
    }

    List<ConsumerRecord<String, byte[]>> records =
        kafka.consumeMatching(
            TELEMETRY,
            r -> r.key().startsWith("order-"),
            devices * perDevice,
            Duration.ofSeconds(60));

    assertThat(records).hasSize(devices * perDevice);
    Map<String, List<Integer>> valuesByDevice = new HashMap<>();
    Map<String, Integer> partitionByDevice = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      valuesByDevice
          .computeIfAbsent(r.key(), k -> new ArrayList<>())
          .add(json(r).getDouble("value").intValue());
      assertThat(partitionByDevice.computeIfAbsent(r.key(), k -> r.partition()))
          .isEqualTo(r.partition());
    }
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < perDevice; i++) {
      expected.add(i);
    }
    assertThat(valuesByDevice).hasSize(devices);
    valuesByDevice.forEach((device, values) -> assertThat(values).as(device).isEqualTo(expected));
    assertThat(partitionByDevice.values())
        .as("devices spread over partitions")
        .hasSizeGreaterThan(1);
    assertThat(new java.util.HashSet<>(partitionByDevice.values())).hasSizeGreaterThan(1);
  }
}
