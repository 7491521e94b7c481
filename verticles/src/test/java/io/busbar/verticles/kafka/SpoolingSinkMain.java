package io.busbar.verticles.kafka;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka sink in its own JVM for crash tests: {@code SpoolingSinkMain <spoolDir> <port> <topic>
 * <devices> <perDevice>} starts a sink whose Kafka (on {@code port}) is unreachable, publishes the
 * readings, prints {@code SPOOLED} once all are in the spool and runs until killed.
 */
public final class SpoolingSinkMain {

  private SpoolingSinkMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    String topic = args[2];
    int devices = Integer.parseInt(args[3]);
    int perDevice = Integer.parseInt(args[4]);
    Vertx vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    MeterRegistry registry = new SimpleMeterRegistry();
    KafkaSinkConfig config =
        new KafkaSinkConfig(
                "127.0.0.1:" + port,
                topic,
                topic + ".deadletters",
                "crash-sink",
                "crash-node",
                10_000,
                100,
                Duration.ofSeconds(2),
                Duration.ofMillis(100),
                Duration.ofSeconds(1))
            .withSpoolDir(dir, SpoolFsync.INTERVAL, Duration.ofSeconds(1));
    vertx.deployVerticle(new KafkaSinkVerticle(config, registry)).await(30, TimeUnit.SECONDS);
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
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (registry.get("busbar.kafka.spool.depth").gauge().value() < devices * perDevice
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    // the appends were handed to the spool writer with the records; give it a moment
    Thread.sleep(500);
    System.out.println("SPOOLED");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
