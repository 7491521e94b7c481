package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.event;
import static io.busbar.verticles.storage.StorageTestSupport.publish;
import static io.busbar.verticles.storage.StorageTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A file database that outlives its verticle: stop drains the queue, a new deployment reads it. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StorageVerticleRestartTest {

  /**
   * Verifies that undeploying writes every queued row before closing, and that a redeployed
   * verticle on the same directory answers from the file.
   */
  @Test
  void stopDrainsQueueAndRestartKeepsData(Vertx vertx, @TempDir Path dataDir) throws Exception {
    BusCodecs.register(vertx.eventBus());
    MeterRegistry registry = new SimpleMeterRegistry();
    // an hour-long interval and a large batch: nothing is written until stop() drains
    StorageConfig config = new StorageConfig(dataDir, 1_000, 500, Duration.ofHours(1));
    String first =
        vertx.deployVerticle(new StorageVerticle(config, registry)).await(20, TimeUnit.SECONDS);
    publish(
        vertx,
        event("restart-1", "temperature", 1_000, Value.of(20.5)),
        event("restart-1", "temperature", 2_000, Value.of(21.5)));
    vertx
        .eventBus()
        .publish(
            Addresses.DEAD_LETTERS,
            new DeadLetter(
                "acme", "restart-1", "devices/restart-1/telemetry", "bad", new byte[] {1}, 5));
    StorageTestSupport.awaitCondition(
        () -> registry.get("busbar.storage.queue.depth").gauge().value() == 3);
    assertThat(registry.get("busbar.storage.events.written").counter().count()).isZero();

    vertx.undeploy(first).await(20, TimeUnit.SECONDS);

    assertThat(registry.get("busbar.storage.events.written").counter().count()).isEqualTo(2);
    assertThat(registry.get("busbar.storage.deadletters.written").counter().count()).isEqualTo(1);
    assertThat(Files.exists(dataDir.resolve(StorageConfig.DATABASE_FILE))).isTrue();

    vertx.deployVerticle(new StorageVerticle(config, registry)).await(20, TimeUnit.SECONDS);
    JsonArray rows =
        request(
            vertx, Addresses.STORAGE_TELEMETRY_QUERY, new JsonObject().put("device", "restart-1"));
    assertThat(rows.stream().map(r -> ((JsonObject) r).getValue("value")))
        .containsExactly(20.5, 21.5);
    assertThat(request(vertx, Addresses.STORAGE_DEAD_LETTERS_QUERY, new JsonObject())).hasSize(1);
    assertThat(registry.get("busbar.storage.queue.depth").gauge().value()).isZero();
  }
}
