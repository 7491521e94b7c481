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

  /**
   * Verifies that the replica carries the incoming QoS 2 packet ids awaiting PUBREL (durable before
   * PUBREC / PUBCOMP may go) and the will: the live connection's, due its delay after the replica
   * is read, or a delayed will with its due time; and that a session that is not persistent writes
   * no replica for its will.
   */
  @Test
  void replicaCarriesIncomingQos2AndWill() throws Exception {
    var store = new ReplicatedSessionStore(SessionStore.none(), vertx, new SimpleMeterRegistry());
    AsyncMap<String, Buffer> map =
        on(
            () ->
                store.start().compose(v -> vertx.sharedData().getAsyncMap("busbar.mqtt.sessions")));
    Message will =
        new Message("t", "will/q2", Buffer.buffer("gone"), 1, false, null, "q2", Long.MAX_VALUE);
    on(
        () -> {
          store.sessionSaved("t", "q2", 300);
          store.willArmed("t", "q2", 15_000, will);
          store.incomingQos2Received("t", "q2", 7);
          return store.incomingQos2Received("t", "q2", 8);
        });
    long before = System.currentTimeMillis();
    SessionStore.StoredSession replica = on(() -> ReplicatedSessionStore.read(map, "t", "q2"));
    long after = System.currentTimeMillis();
    assertThat(replica.incomingQos2()).containsExactlyInAnyOrder(7, 8);
    assertThat(replica.will().message().topic()).isEqualTo("will/q2");
    assertThat(replica.will().message().payload().toString()).isEqualTo("gone");
    assertThat(replica.will().dueAtMillis()).isBetween(before + 15_000, after + 15_000);

    on(
        () -> {
          store.willScheduled("t", "q2", new SessionStore.StoredWill(1_234_567L, will));
          return store.incomingQos2Released("t", "q2", 8);
        });
    replica = on(() -> ReplicatedSessionStore.read(map, "t", "q2"));
    assertThat(replica.incomingQos2()).containsExactly(7);
    assertThat(replica.will().dueAtMillis()).isEqualTo(1_234_567L);

    on(
        () -> {
          store.willCleared("t", "q2");
          store.willCleared("t", "not-persistent");
          return store.incomingQos2Released("t", "q2", 7);
        });
    replica = on(() -> ReplicatedSessionStore.read(map, "t", "q2"));
    assertThat(replica.incomingQos2()).isEmpty();
    assertThat(replica.will()).isNull();
    assertThat(on(() -> ReplicatedSessionStore.read(map, "t", "not-persistent"))).isNull();
  }

  /** Verifies that a session handed over between nodes keeps its incoming QoS 2 packet ids. */
  @Test
  void wireFormKeepsIncomingQos2() {
    var state =
        new SessionStore.StoredSession(
            "t",
            "c",
            60,
            List.of(new Subscription("a/#", 2, false, false, 0, 0)),
            List.of(new SessionStore.StoredMessage(3, delivery("m"), 0, true)),
            java.util.Set.of(1, 65_535),
            null);
    SessionStore.StoredSession back = SessionWire.decode(SessionWire.encode(state));
    assertThat(back.incomingQos2()).containsExactlyInAnyOrder(1, 65_535);
    assertThat(back.will()).isNull();
    assertThat(back.messages()).extracting(SessionStore.StoredMessage::seq).containsExactly(3L);
  }
}
