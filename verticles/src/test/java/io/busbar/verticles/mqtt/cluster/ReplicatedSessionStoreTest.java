package io.busbar.verticles.mqtt.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.busbar.verticles.mqtt.session.Subscription;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The replica of persistent sessions kept by {@link ReplicatedSessionStore} (local Vert.x map). */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReplicatedSessionStoreTest {

  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  static Delivery delivery(String payload) {
    return new Delivery(
        new Message("t", "a/b", Buffer.buffer(payload), 1, false, null, "pub", Long.MAX_VALUE),
        1,
        false,
        List.of());
  }

  /** Runs {@code work} on an event-loop context and waits for its future. */
  static <T> T on(java.util.function.Supplier<Future<T>> work) throws Exception {
    var context = vertx.getOrCreateContext();
    var promise = io.vertx.core.Promise.<T>promise();
    context.runOnContext(v -> work.get().onComplete(promise));
    return promise.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /**
   * Verifies that a message handed to a persistent session is durable only once the replica holds
   * it, that the replica follows subscriptions, acknowledgements and PUBREC, and that ending the
   * session removes it.
   */
  @Test
  void replicaFollowsTheSession() throws Exception {
    var store = new ReplicatedSessionStore(SessionStore.none(), vertx, new SimpleMeterRegistry());
    AsyncMap<String, Buffer> map =
        on(
            () ->
                store.start().compose(v -> vertx.sharedData().getAsyncMap("busbar.mqtt.sessions")));
    on(
        () -> {
          store.sessionSaved("t", "c1", 300);
          store.subscribed("t", "c1", new Subscription("a/#", 1, false, false, 0, 0));
          store.messageAdded("t", "c1", 1, delivery("one"));
          store.messageAdded("t", "c1", 2, delivery("two"));
          return store.messageAdded("t", "c1", 3, delivery("three"));
        });
    SessionStore.StoredSession replica = on(() -> ReplicatedSessionStore.read(map, "t", "c1"));
    assertThat(replica.expirySeconds()).isEqualTo(300);
    assertThat(replica.subscriptions()).extracting(Subscription::filter).containsExactly("a/#");
    assertThat(replica.messages())
        .extracting(m -> m.delivery().message().payload().toString())
        .containsExactly("one", "two", "three");

    on(
        () -> {
          store.messageRemoved("t", "c1", 1);
          store.messageReleased("t", "c1", 2, 7);
          store.messageSent("t", "c1", 3);
          return store.messageAdded("t", "c1", 4, delivery("four"));
        });
    replica = on(() -> ReplicatedSessionStore.read(map, "t", "c1"));
    assertThat(replica.messages())
        .extracting(SessionStore.StoredMessage::seq)
        .containsExactly(2L, 3L, 4L);
    assertThat(replica.messages().get(0).releasedPacketId()).isEqualTo(7);
    assertThat(replica.messages())
        .extracting(SessionStore.StoredMessage::sent)
        .containsExactly(true, true, false);

    on(
        () -> {
          store.sessionEnded("t", "c1");
          store.sessionSaved("t", "c2", 60);
          return store.messageAdded("t", "c2", 1, delivery("x"));
        });
    assertThat(on(() -> ReplicatedSessionStore.read(map, "t", "c1"))).isNull();
    assertThat(on(() -> ReplicatedSessionStore.read(map, "t", "c2")).messages()).hasSize(1);
  }

  /** Verifies that ending a session does not remove a replica another node wrote since. */
  @Test
  void endingDoesNotRemoveAnotherNodesReplica() throws Exception {
    var store = new ReplicatedSessionStore(SessionStore.none(), vertx, new SimpleMeterRegistry());
    AsyncMap<String, Buffer> map =
        on(
            () ->
                store.start().compose(v -> vertx.sharedData().getAsyncMap("busbar.mqtt.sessions")));
    on(
        () -> {
          store.sessionSaved("t", "moved", 300);
          return store.messageAdded("t", "moved", 1, delivery("one"));
        });
    Buffer other =
        SessionWire.encode(new SessionStore.StoredSession("t", "moved", 300, List.of(), List.of()));
    on(() -> map.put(ReplicatedSessionStore.key("t", "moved"), other));
    on(
        () -> {
          store.sessionEnded("t", "moved");
          return Future.succeededFuture();
        });
    Thread.sleep(200);
    assertThat(on(() -> ReplicatedSessionStore.read(map, "t", "moved"))).isNotNull();
  }
}
