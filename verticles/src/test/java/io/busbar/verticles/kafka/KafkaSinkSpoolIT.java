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
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink's on-disk spool against a real in-process Kafka (KRaft) broker shared by the class:
 * records spooled while Kafka is unreachable survive a stop of the sink and are delivered, once
 * each and in order per device, by the next sink on the same directory.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaSinkSpoolIT {

  private static Vertx vertx;
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void start(Vertx shared) throws Exception {
    vertx = shared;
    BusCodecs.register(vertx.eventBus());
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static int deadPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static KafkaSinkConfig config(String servers, String topic, Path dir, SpoolFsync fsync) {
    return new KafkaSinkConfig(
            servers,
            topic,
            topic + ".deadletters",
            "spool-sink",
            "it-node",
            10_000,
            100,
            Duration.ofSeconds(2),
            Duration.ofMillis(100),
            Duration.ofSeconds(1))
        .withSpoolDir(dir, fsync, Duration.ofMillis(50))
        .withSpoolSegmentBytes(8 * 1024);
  }

  private static void publish(int devices, int fromSeq, int toSeq) {
    for (int i = fromSeq; i < toSeq; i++) {
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

  private static double count(MeterRegistry registry, String name, String tag, String value) {
    return registry.get(name).tag(tag, value).counter().count();
  }

  private static List<Path> segments(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).toList();
    }
  }

  /**
   * Verifies that records spooled while Kafka is unreachable stay on disk when the sink stops
   * (nothing counted as dropped), and that a new sink on the same directory, with Kafka reachable,
   * sends them first and then new records: every event once, in order per device, the segment files
   * deleted once all is delivered.
   */
  @Test
  void spoolSurvivesRestartAndIsDeliveredOnce(@TempDir Path dir) throws Exception {
    String topic = "spool.restart";
    int devices = 10;
    int spooled = devices * 30;
    MeterRegistry before = new SimpleMeterRegistry();
    String down =
        vertx
            .deployVerticle(
                new KafkaSinkVerticle(
                    config("127.0.0.1:" + deadPort(), topic, dir, SpoolFsync.INTERVAL), before))
            .await(30, TimeUnit.SECONDS);
    publish(devices, 0, 30);
    await(() -> depth(before) == spooled, Duration.ofSeconds(10));
    await(() -> before.get("busbar.kafka.failed").counter().count() >= 1, Duration.ofSeconds(20));
    vertx.undeploy(down).await(60, TimeUnit.SECONDS);

    assertThat(count(before, "busbar.kafka.sent", "type", "telemetry")).isZero();
    assertThat(count(before, "busbar.kafka.dropped", "reason", "shutdown")).isZero();
    assertThat(segments(dir)).isNotEmpty();

    MeterRegistry after = new SimpleMeterRegistry();
    String up =
        vertx
            .deployVerticle(
                new KafkaSinkVerticle(
                    config(kafka.bootstrapServers(), topic, dir, SpoolFsync.ALWAYS), after))
            .await(30, TimeUnit.SECONDS);
    assertThat(after.get("busbar.kafka.spool.recovered").counter().count()).isEqualTo(spooled);
    publish(devices, 30, 40);
    int total = devices * 40;

    List<ConsumerRecord<String, byte[]>> records =
        kafka.consume(topic, total, Duration.ofSeconds(60));
    await(() -> depth(after) == 0, Duration.ofSeconds(20));
    vertx.undeploy(up).await(30, TimeUnit.SECONDS);

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
    seqByDevice.forEach((device, seq) -> assertThat(seq).as(device).isSorted().hasSize(40));
    assertThat(count(after, "busbar.kafka.sent", "type", "telemetry")).isEqualTo(total);
    assertThat(segments(dir)).as("all delivered: no segment left").isEmpty();
    // nothing more to send: a third sink recovers nothing
    MeterRegistry third = new SimpleMeterRegistry();
    String again =
        vertx
            .deployVerticle(
                new KafkaSinkVerticle(
                    config(kafka.bootstrapServers(), topic, dir, SpoolFsync.NEVER), third))
            .await(30, TimeUnit.SECONDS);
    assertThat(third.get("busbar.kafka.spool.recovered").counter().count()).isZero();
    vertx.undeploy(again).await(30, TimeUnit.SECONDS);
  }

  /**
   * Verifies that with Kafka healthy the on-disk spool stays small: records delivered as they come
   * (over many small segments) leave no segment behind once the sink stops.
   */
  @Test
  void deliveredSegmentsAreDeleted(@TempDir Path dir) throws Exception {
    String topic = "spool.healthy";
    MeterRegistry registry = new SimpleMeterRegistry();
    String id =
        vertx
            .deployVerticle(
                new KafkaSinkVerticle(
                    config(kafka.bootstrapServers(), topic, dir, SpoolFsync.ALWAYS), registry))
            .await(30, TimeUnit.SECONDS);
    publish(5, 0, 100);

    List<ConsumerRecord<String, byte[]>> records =
        kafka.consume(topic, 500, Duration.ofSeconds(60));
    assertThat(records).hasSize(500);
    await(() -> depth(registry) == 0, Duration.ofSeconds(20));
    // 500 records of ~400 bytes in 8 KiB segments: older ones are gone, the active one may stay
    await(
        () -> {
          try {
            return segments(dir).size() <= 1;
          } catch (Exception e) {
            return false;
          }
        },
        Duration.ofSeconds(10));
    vertx.undeploy(id).await(30, TimeUnit.SECONDS);
    assertThat(segments(dir)).isEmpty();
    assertThat(count(registry, "busbar.kafka.sent", "type", "telemetry")).isEqualTo(500);
  }

  /**
   * Verifies that records spooled while Kafka is unreachable survive kill -9 of the node's JVM (a
   * separate process, killed with SIGKILL: no stop, no flush beyond what the spool wrote) and are
   * delivered once each, in order per device, by a sink started on the same directory.
   */
  @Test
  void spoolSurvivesKillMinus9(@TempDir Path dir) throws Exception {
    String topic = "spool.crash";
    int devices = 5;
    int perDevice = 40;
    int total = devices * perDevice;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process node =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                SpoolingSinkMain.class.getName(),
                dir.toString(),
                Integer.toString(deadPort()),
                topic,
                Integer.toString(devices),
                Integer.toString(perDevice))
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
      boolean spooled = false;
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("SPOOLED")) {
          spooled = true;
          break;
        }
      }
      assertThat(spooled).as("the child spooled its readings").isTrue();
    } finally {
      node.destroyForcibly(); // SIGKILL
      node.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(segments(dir)).isNotEmpty();

    MeterRegistry registry = new SimpleMeterRegistry();
    String id =
        vertx
            .deployVerticle(
                new KafkaSinkVerticle(
                    config(kafka.bootstrapServers(), topic, dir, SpoolFsync.INTERVAL), registry))
            .await(30, TimeUnit.SECONDS);
    assertThat(registry.get("busbar.kafka.spool.recovered").counter().count()).isEqualTo(total);
    List<ConsumerRecord<String, byte[]>> records =
        kafka.consume(topic, total, Duration.ofSeconds(60));
    await(() -> depth(registry) == 0, Duration.ofSeconds(20));
    vertx.undeploy(id).await(30, TimeUnit.SECONDS);

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
    seqByDevice.forEach((device, seq) -> assertThat(seq).as(device).isSorted().hasSize(perDevice));
    assertThat(segments(dir)).isEmpty();
  }
}
