package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Value;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker's side of storage back-pressure, against a stand-in store on {@code
 * busbar.storage.ingest} that refuses on purpose: coalesced offers, retries while it is full, and
 * splitting an offer it finds too large.
 */
@Timeout(30)
class TelemetryIngestBackPressureTest {

  /** The stand-in store refuses this many offers with 503 (queue full) before taking any. */
  private static final int REFUSALS = 5;

  /** The stand-in store refuses offers of more readings than this with 413 (too large). */
  private static final int LARGEST = 4;

  private static BrokerFixture broker;
  private static final AtomicInteger offers = new AtomicInteger();
  private static final List<Integer> stored = new CopyOnWriteArrayList<>();
  private static final AtomicInteger tooLarge = new AtomicInteger();
  private static final List<Integer> published = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start();
    MessageConsumer<Object> store =
        broker
            .vertx
            .eventBus()
            .localConsumer(
                Addresses.STORAGE_INGEST,
                m -> {
                  EventBatch batch = (EventBatch) m.body();
                  if (offers.incrementAndGet() <= REFUSALS) {
                    m.fail(503, "storage queue full");
                  } else if (batch.events().size() > LARGEST) {
                    tooLarge.incrementAndGet();
                    m.fail(413, "too large");
                  } else {
                    for (Event e : batch.events()) {
                      stored.add((int) ((Value.Numeric) e.value()).value());
                    }
                    m.reply(new JsonObject().put("storage", "stand-in"));
                  }
                });
    BrokerFixture.await(store.completion());
    MessageConsumer<EventBatch> events =
        broker
            .vertx
            .eventBus()
            .consumer(
                Addresses.EVENTS,
                m -> {
                  assertThat(m.headers().get(Addresses.STORED_BY_HEADER)).isEqualTo("stand-in");
                  published.add(m.body().events().size());
                });
    BrokerFixture.await(events.completion());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /**
   * Verifies that when many QoS 1 readings arrive at once while the store is full, every PUBACK
   * waits until the store has taken its reading (counted as back-pressure), offers too large for
   * the store are split per message, each acknowledged reading is taken exactly once, and each
   * message is still published on busbar.events as a batch of its own.
   */
  @Test
  void everyReadingIsTakenOnceBeforeItsPubAck() throws Exception {
    Mqtt5BlockingClient blocking =
        broker.connectV5("bp-dev", "bp-dev", broker.deviceToken("bp-dev", "acme"));
    Mqtt5AsyncClient device = blocking.toAsync();
    int messages = 300;
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      int seq = i;
      String body = "{\"ts\":" + (1_000 + i) + ",\"metrics\":{\"n\":" + i + "}}";
      acks.add(
          device
              .publishWith()
              .topic("devices/bp-dev/telemetry")
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(body.getBytes(StandardCharsets.UTF_8))
              .send()
              .thenAccept(
                  r -> {
                    assertThat(r.getError()).isEmpty();
                    // the PUBACK came: the stand-in store must already hold this reading
                    assertThat(stored).contains(seq);
                  }));
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    blocking.disconnect();

    assertThat(stored).hasSize(messages).doesNotHaveDuplicates();
    assertThat(broker.counter("busbar.mqtt.storage.backpressure")).isEqualTo(REFUSALS);
    assertThat(tooLarge.get()).as("coalesced offers split per message").isPositive();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (published.size() < messages && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(published).as("busbar.events batches").hasSize(messages).containsOnly(1);
  }
}
