package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.event;
import static io.busbar.verticles.storage.StorageTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The acknowledged ingest path the MQTT broker uses to delay QoS 1 PUBACKs. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StorageIngestTest {

  /**
   * Verifies that in queue mode a batch is acknowledged once queued, that a batch which does not
   * fit is refused whole with 503 (and one larger than the queue with 413), counted, and that the
   * queue then still takes what fits.
   */
  @Test
  void queueModeRefusesWholeBatchWhenFull(Vertx vertx) throws Exception {
    BusCodecs.register(vertx.eventBus());
    MeterRegistry registry = new SimpleMeterRegistry();
    // nothing is written: an hour-long interval and a batch larger than the queue
    StorageConfig config = new StorageConfig(null, 10, 100, Duration.ofHours(1));
    vertx.deployVerticle(new StorageVerticle(config, registry)).await(20, TimeUnit.SECONDS);

    JsonObject ack = ingest(vertx, batch("ingest-1", 0, 6));
    assertThat(ack.getInteger("accepted")).isEqualTo(6);
    assertThat(ack.getBoolean("committed")).isFalse();
    assertThat(ack.getString("storage")).isNotBlank();

    ReplyException full =
        catchThrowableOfType(ReplyException.class, () -> ingest(vertx, batch("ingest-1", 10, 6)));
    assertThat(full.failureCode()).isEqualTo(503);
    assertThat(full.getMessage()).isEqualTo("storage queue full");
    assertThat(registry.get("busbar.storage.queue.depth").gauge().value()).isEqualTo(6);

    ReplyException tooLarge =
        catchThrowableOfType(ReplyException.class, () -> ingest(vertx, batch("ingest-1", 20, 11)));
    assertThat(tooLarge.failureCode()).isEqualTo(413);

    assertThat(ingest(vertx, batch("ingest-1", 30, 4)).getInteger("accepted")).isEqualTo(4);
    assertThat(
            registry
                .get("busbar.storage.ingest.rejected")
                .tag("reason", "queue_full")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(registry.get("busbar.storage.ingest.accepted").counter().count()).isEqualTo(10);
    assertThat(registry.get("busbar.storage.dropped").tag("reason", "queue_full").counter().count())
        .isZero();
  }

  /**
   * Verifies that with ackOnCommit each reply comes only once its batch is committed to the file: a
   * query sent right after the reply sees every acknowledged reading, though the flush interval is
   * an hour; that concurrent requests are all answered; and that a batch also published on
   * busbar.events with this storage's stored-by header is not stored twice.
   */
  @Test
  void commitModeRepliesAfterCommit(Vertx vertx, @TempDir Path dataDir) throws Exception {
    BusCodecs.register(vertx.eventBus());
    MeterRegistry registry = new SimpleMeterRegistry();
    StorageConfig config =
        new StorageConfig(dataDir, 1_000, 500, Duration.ofHours(1)).withAckOnCommit(true);
    vertx.deployVerticle(new StorageVerticle(config, registry)).await(20, TimeUnit.SECONDS);

    for (int round = 0; round < 5; round++) {
      EventBatch batch = batch("commit-1", round * 10, 3);
      JsonObject ack = ingest(vertx, batch);
      assertThat(ack.getBoolean("committed")).isTrue();
      JsonArray stored =
          request(
              vertx, Addresses.STORAGE_TELEMETRY_QUERY, new JsonObject().put("device", "commit-1"));
      assertThat(stored).hasSize((round + 1) * 3);
      // the broker publishes the same batch for everyone else, marked as already stored here
      vertx
          .eventBus()
          .publish(
              Addresses.EVENTS,
              batch,
              new DeliveryOptions()
                  .addHeader(Addresses.STORED_BY_HEADER, ack.getString("storage")));
    }
    // concurrent requests share commits and are all answered
    List<io.vertx.core.Future<?>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(vertx.eventBus().request(Addresses.STORAGE_INGEST, batch("commit-2", i * 10, 2)));
    }
    io.vertx.core.Future.all(replies).await(20, TimeUnit.SECONDS);
    assertThat(
            request(
                vertx,
                Addresses.STORAGE_TELEMETRY_QUERY,
                new JsonObject().put("device", "commit-2")))
        .hasSize(40);

    // the marked copies were published before the later ingests, which committed everything
    // queued ahead of them: had they been stored, commit-1 would hold 30 rows
    assertThat(
            request(
                vertx,
                Addresses.STORAGE_TELEMETRY_QUERY,
                new JsonObject().put("device", "commit-1")))
        .hasSize(15);
    assertThat(registry.get("busbar.storage.events.written").counter().count()).isEqualTo(55);
  }

  /** Verifies that a body that is not an EventBatch is answered 400. */
  @Test
  void wrongBodyIs400(Vertx vertx) throws Exception {
    vertx
        .deployVerticle(new StorageVerticle(StorageConfig.inMemory(), new SimpleMeterRegistry()))
        .await(20, TimeUnit.SECONDS);
    StorageTestSupport.badRequest(vertx, Addresses.STORAGE_INGEST, "hello");
  }

  private static JsonObject ingest(Vertx vertx, EventBatch batch) throws Exception {
    return vertx
        .eventBus()
        .<JsonObject>request(Addresses.STORAGE_INGEST, batch)
        .await(10, TimeUnit.SECONDS)
        .body();
  }

  private static EventBatch batch(String device, long firstTs, int count) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(event(device, "count", firstTs + i, Value.of(i)));
    }
    return new EventBatch(events);
  }
}
