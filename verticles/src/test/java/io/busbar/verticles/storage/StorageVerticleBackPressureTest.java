package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A tiny queue: full batches are written without waiting for the timer, overflow is counted. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StorageVerticleBackPressureTest {

  /**
   * Verifies that a full batch is written at once (the interval is an hour), and that events beyond
   * the queue capacity are dropped and counted in busbar.storage.dropped, never lost silently.
   */
  @Test
  void writesFullBatchesAndCountsOverflow(Vertx vertx) throws Exception {
    BusCodecs.register(vertx.eventBus());
    MeterRegistry registry = new SimpleMeterRegistry();
    StorageConfig config = new StorageConfig(null, 8, 4, Duration.ofHours(1));
    String id =
        vertx.deployVerticle(new StorageVerticle(config, registry)).await(20, TimeUnit.SECONDS);
    var written = registry.get("busbar.storage.events.written").counter();
    var dropped = registry.get("busbar.storage.dropped").tag("reason", "queue_full").counter();

    vertx.eventBus().publish(Addresses.EVENTS, batch(0, 4));
    StorageTestSupport.awaitCondition(() -> written.count() == 4);
    assertThat(written.count()).isEqualTo(4);

    // 12 events arrive in one message while the queue is empty: 8 fit, 4 are dropped
    vertx.eventBus().publish(Addresses.EVENTS, batch(100, 12));
    StorageTestSupport.awaitCondition(() -> written.count() == 12 && dropped.count() == 4);

    assertThat(dropped.count()).isEqualTo(4);
    assertThat(written.count()).isEqualTo(12);
    vertx.undeploy(id).await(20, TimeUnit.SECONDS);
  }

  private static EventBatch batch(long firstTs, int count) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(event("overflow-1", "count", firstTs + i, Value.of(i)));
    }
    return new EventBatch(events);
  }
}
