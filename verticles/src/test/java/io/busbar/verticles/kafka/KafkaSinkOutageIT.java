package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sink while Kafka is away: it starts against a port where nothing listens, spools, and
 * delivers everything once a real Kafka (KRaft) broker comes up on that port.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaSinkOutageIT {

  private static final String TELEMETRY = "outage.telemetry";
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx shared) {
    vertx = shared;
    BusCodecs.register(vertx.eventBus());
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static KafkaSinkConfig config(int port, int spoolCapacity) {
    return new KafkaSinkConfig(
        "127.0.0.1:" + port,
        TELEMETRY,
        "outage.deadletters",
        "outage-sink",
        "it-node",
        spoolCapacity,
        100,
        Duration.ofSeconds(2),
        Duration.ofMillis(100),
        Duration.ofSeconds(1));
  }

  private static void publish(int devices, int perDevice) {
    for (int i = 0; i < perDevice; i++) {
      List<Event> batch = new ArrayList<>();
      for (int d = 0; d < devices; d++) {
        batch.add(
            new Event(
                "acme",
                "dev-" + d,
                "seq",
                i,
                Value.of(i),
                Quality.GOOD,
                null,
                "devices/dev-" + d + "/telemetry"));
      }
      vertx.eventBus().publish(Addresses.EVENTS, new EventBatch(batch));
    }
  }

  private static void await(BooleanSupplier condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.sleep(50);
    }
  }

  private static double depth(MeterRegistry registry) {
    return registry.get("busbar.kafka.spool.depth").gauge().value();
  }

  /**
   * Verifies that events published while Kafka is unreachable are spooled (depth, failed attempts,
   * nothing sent) and all delivered, once each and in order per device, when Kafka comes up.
   */
  @Test
  void kafkaDownThenUpLosesNothing() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    int port = freePort();
    String id =
        vertx
            .deployVerticle(new KafkaSinkVerticle(config(port, 10_000), registry))
            .await(30, TimeUnit.SECONDS);
    int devices = 10;
    int perDevice = 30;
    int total = devices * perDevice;

    publish(devices, perDevice);
    await(() -> depth(registry) == total, Duration.ofSeconds(10));
    // the first attempt waits max.block.ms (= deliveryTimeout, 2 s) for metadata, then fails
    await(() -> registry.get("busbar.kafka.failed").counter().count() >= 1, Duration.ofSeconds(20));
    assertThat(depth(registry)).isEqualTo(total);
    assertThat(registry.get("busbar.kafka.sent").tag("type", "telemetry").counter().count())
        .isZero();

    try (EmbeddedKafka kafka = EmbeddedKafka.start(port)) {
      List<ConsumerRecord<String, byte[]>> records =
          kafka.consume(TELEMETRY, total, Duration.ofSeconds(60));

      assertThat(records).hasSize(total);
      assertThat(
              new HashSet<>(
                  records.stream().map(r -> EmbeddedKafka.headers(r).get("ce_id")).toList()))
          .as("each event once")
          .hasSize(total);
      Map<String, List<Integer>> seqByDevice = new HashMap<>();
      for (ConsumerRecord<String, byte[]> r : records) {
        seqByDevice
            .computeIfAbsent(r.key(), k -> new ArrayList<>())
            .add(new JsonObject(new String(r.value(), StandardCharsets.UTF_8)).getInteger("ts"));
      }
      assertThat(seqByDevice).hasSize(devices);
      seqByDevice.forEach(
          (device, seq) -> assertThat(seq).as(device).isSorted().hasSize(perDevice));
      await(() -> depth(registry) == 0, Duration.ofSeconds(10));
      assertThat(registry.get("busbar.kafka.sent").tag("type", "telemetry").counter().count())
          .isEqualTo(total);
      assertThat(registry.get("busbar.kafka.dropped").tag("reason", "spool_full").counter().count())
          .isZero();
      vertx.undeploy(id).await(30, TimeUnit.SECONDS);
    }
  }

  /** Verifies that a full spool drops new records and counts every one of them. */
  @Test
  void fullSpoolCountsDrops() throws Exception {
    MeterRegistry registry = new SimpleMeterRegistry();
    String id =
        vertx
            .deployVerticle(new KafkaSinkVerticle(config(freePort(), 10), registry))
            .await(30, TimeUnit.SECONDS);

    publish(3, 5);

    await(
        () ->
            registry.get("busbar.kafka.dropped").tag("reason", "spool_full").counter().count() == 5,
        Duration.ofSeconds(10));
    assertThat(depth(registry)).isEqualTo(10);
    vertx.undeploy(id).await(30, TimeUnit.SECONDS);
    // what never reached Kafka by the end of stop() is counted too
    assertThat(registry.get("busbar.kafka.dropped").tag("reason", "shutdown").counter().count())
        .isGreaterThan(0);
  }
}
