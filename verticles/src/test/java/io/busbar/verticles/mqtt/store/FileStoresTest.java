package io.busbar.verticles.mqtt.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.busbar.verticles.mqtt.session.Subscription;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The journals on their own: replay, compaction while running, and what survives a reopen. */
@Timeout(30)
class FileStoresTest {

  private static Vertx vertx;
  private static Context context;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code work} on the stores' context and waits for the future it returns. */
  private static <T> T onContext(Supplier<Future<T>> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(
        v ->
            work.get()
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        result.complete(ar.result());
                      } else {
                        result.completeExceptionally(ar.cause());
                      }
                    }));
    return result.get(20, TimeUnit.SECONDS);
  }

  private static Message message(String topic, String payload) {
    return new Message(
        "t",
        topic,
        Buffer.buffer(payload),
        1,
        true,
        MqttProperties.NO_PROPERTIES,
        "p",
        Long.MAX_VALUE);
  }

  /**
   * Verifies that a session journal compacted many times while running (tiny threshold) reopens to
   * exactly the live state: the session, its subscription, the unremoved and released messages.
   */
  @Test
  void sessionJournalCompactsAndReopens() throws Exception {
    Path dir = Files.createTempDirectory("busbar-store");
    FileSessionStore store = FileSessionStore.open(dir, context, 2_000);
    onContext(
        () -> {
          store.sessionSaved("t", "c", 300);
          store.subscribed("t", "c", Subscription.of("a/#", 1));
          store.subscribed("t", "c", Subscription.of("b", 0));
          store.unsubscribed("t", "c", "b");
          List<Future<Void>> writes = new ArrayList<>();
          for (int i = 1; i <= 200; i++) {
            writes.add(
                store.messageAdded(
                    "t",
                    "c",
                    i,
                    new Delivery(message("a/" + i, "payload-" + i), 1, false, List.of())));
            if (i % 10 != 0) {
              store.messageRemoved("t", "c", i);
            }
          }
          store.messageReleased("t", "c", 200, 42);
          store.sessionSaved("t", "gone", 10);
          store.sessionEnded("t", "gone");
          return Future.all(writes).mapEmpty();
        });
    onContext(store::close);

    FileSessionStore reopened = FileSessionStore.open(dir, context);
    List<SessionStore.StoredSession> sessions = reopened.load();
    assertThat(sessions).hasSize(1);
    SessionStore.StoredSession s = sessions.get(0);
    assertThat(s.clientId()).isEqualTo("c");
    assertThat(s.expirySeconds()).isEqualTo(300);
    assertThat(s.subscriptions()).extracting(Subscription::filter).containsExactly("a/#");
    assertThat(s.messages())
        .extracting(SessionStore.StoredMessage::seq)
        .containsExactly(
            10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L, 110L, 120L, 130L, 140L, 150L, 160L,
            170L, 180L, 190L, 200L);
    assertThat(s.messages().get(19).releasedPacketId()).isEqualTo(42);
    assertThat(s.messages().get(0).delivery().message().payload().toString())
        .isEqualTo("payload-10");
    onContext(reopened::close);
  }

  /**
   * Verifies that incoming QoS 2 packet ids and a delayed will are kept across a reopen (through
   * the snapshot written at open, and again through a compaction), released ids and cleared wills
   * not, and that the will of a connection live at the crash is due its delay after the open.
   */
  @Test
  void sessionJournalKeepsIncomingQos2AndWill() throws Exception {
    Path dir = Files.createTempDirectory("busbar-store");
    FileSessionStore store = FileSessionStore.open(dir, context, 2_000);
    Message will = message("wills/c", "gone");
    onContext(
        () -> {
          store.sessionSaved("t", "c", 300);
          store.sessionSaved("t", "d", 300);
          store.sessionSaved("t", "e", 300);
          store.willArmed("t", "e", 5_000, will); // its connection is live when the node dies
          List<Future<Void>> writes = new ArrayList<>();
          for (int id = 1; id <= 100; id++) {
            writes.add(store.incomingQos2Received("t", "c", id));
            if (id != 7 && id != 65_535 % 100) {
              writes.add(store.incomingQos2Released("t", "c", id));
            }
          }
          writes.add(store.incomingQos2Received("t", "c", 65_535));
          store.willScheduled("t", "c", new SessionStore.StoredWill(123_456L, will));
          store.willScheduled("t", "d", new SessionStore.StoredWill(1L, will));
          store.willCleared("t", "d");
          // a session that is not stored keeps nothing
          assertThat(store.incomingQos2Received("t", "unknown", 1)).isNull();
          return Future.all(writes).mapEmpty();
        });
    onContext(store::close);

    long opened = System.currentTimeMillis();
    for (int round = 0; round < 2; round++) { // the second open reads the first one's snapshot
      FileSessionStore reopened = FileSessionStore.open(dir, context);
      SessionStore.StoredSession e =
          reopened.load().stream().filter(s -> s.clientId().equals("e")).findFirst().orElseThrow();
      // an armed will is due its delay after the (first) open, and stays so
      assertThat(e.will().dueAtMillis()).isBetween(opened + 5_000, opened + 15_000);
      SessionStore.StoredSession c =
          reopened.load().stream().filter(s -> s.clientId().equals("c")).findFirst().orElseThrow();
      SessionStore.StoredSession d =
          reopened.load().stream().filter(s -> s.clientId().equals("d")).findFirst().orElseThrow();
      assertThat(c.incomingQos2()).containsExactlyInAnyOrder(7, 35, 65_535);
      assertThat(c.will().dueAtMillis()).isEqualTo(123_456L);
      assertThat(c.will().message().topic()).isEqualTo("wills/c");
      assertThat(c.will().message().payload().toString()).isEqualTo("gone");
      assertThat(d.will()).isNull();
      assertThat(d.incomingQos2()).isEmpty();
      onContext(reopened::close);
    }
  }

  /** Verifies that a retained journal compacted while running reopens to the live messages. */
  @Test
  void retainedJournalCompactsAndReopens() throws Exception {
    Path dir = Files.createTempDirectory("busbar-store");
    FileRetainedStore store = FileRetainedStore.open(dir, context, 1_000);
    onContext(
        () -> {
          List<Future<Void>> writes = new ArrayList<>();
          for (int i = 0; i < 300; i++) {
            writes.add(store.put(message("r/" + (i % 7), "v" + i)));
          }
          writes.add(store.put(message("r/0", "")));
          return Future.all(writes).mapEmpty();
        });
    onContext(store::close);
    FileRetainedStore reopened = FileRetainedStore.open(dir, context);
    assertThat(reopened.size()).isEqualTo(6);
    assertThat(reopened.matching("t", "r/6").get(0).payload().toString()).isEqualTo("v293");
    assertThat(reopened.matching("t", "r/0")).isEmpty();
    onContext(reopened::close);
  }
}
