package io.busbar.verticles.mqtt.cluster;

import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.RetainedStore;
import io.busbar.verticles.mqtt.store.RecordCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Retained messages replicated to every node: each node keeps the full set in its own store (memory
 * or journal), so a subscribe reads it locally. A retained PUBLISH is written locally and sent to
 * every other member ({@code busbar.mqtt.retained.<node>}); the returned future — which the
 * publisher's PUBACK waits for — completes once every member has applied it, so a subscribe on any
 * node after the PUBACK sees it. Concurrent writes to one topic from several nodes converge by
 * last-writer-wins on a hybrid clock stamp (time, then node id), so an older message never replaces
 * a newer one. A joining node copies the set of the oldest other member ({@code
 * busbar.mqtt.retained.sync.<node>}). Runs on the broker's event loop.
 *
 * <p>Metric: {@code busbar.mqtt.cluster.retained.unconfirmed} — replications a member did not
 * confirm in time.
 */
public final class ClusterRetainedStore implements RetainedStore {

  static final String APPLY = "busbar.mqtt.retained.";
  static final String SYNC = "busbar.mqtt.retained.sync.";
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5_000);

  private record Stamp(long time, String node) {
    boolean newerThan(Stamp o) {
      return o == null || time > o.time || (time == o.time && node.compareTo(o.node) > 0);
    }
  }

  private final RetainedStore local;
  private final Vertx vertx;
  private final ClusterView view;
  private final Counter unconfirmed;
  private final Map<String, Stamp> stamps = new HashMap<>();
  private final Map<String, Message> all = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long clock;

  public ClusterRetainedStore(
      RetainedStore local, Vertx vertx, ClusterView view, MeterRegistry registry) {
    this.local = local;
    this.vertx = vertx;
    this.view = view;
    this.unconfirmed = registry.counter("busbar.mqtt.cluster.retained.unconfirmed");
  }

  /** Registers this node's consumers, then copies the retained set of the oldest other member. */
  public Future<Void> start() {
    consumers.add(
        vertx
            .eventBus()
            .<Buffer>consumer(
                APPLY + view.nodeId(),
                msg -> {
                  applyRemote(msg.body()).onComplete(ar -> msg.reply(null));
                }));
    consumers.add(
        vertx
            .eventBus()
            .<Buffer>consumer(
                SYNC + view.nodeId(),
                msg -> {
                  Buffer out = Buffer.buffer();
                  all.forEach((k, m) -> out.appendBuffer(entry(m, stamps.get(k))));
                  msg.reply(out);
                }));
    Future<Void> registered =
        Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
    return registered.compose(
        v -> {
          String peer =
              view.members().stream()
                  .filter(m -> !m.equals(view.nodeId()))
                  .findFirst()
                  .orElse(null);
          if (peer == null) {
            return Future.succeededFuture();
          }
          return vertx
              .eventBus()
              .<Buffer>request(SYNC + peer, null, ASK)
              .compose(
                  reply -> {
                    Buffer b = reply.body();
                    List<Future<Void>> writes = new ArrayList<>();
                    int pos = 0;
                    while (b != null && pos < b.length()) {
                      int len = b.getInt(pos);
                      writes.add(applyRemote(b.slice(pos + 4, pos + 4 + len)));
                      pos += 4 + len;
                    }
                    return Future.all(writes).<Void>mapEmpty();
                  })
              .otherwise(e -> null); // a first node, or a peer still starting
        });
  }

  private static Buffer entry(Message m, Stamp s) {
    Buffer body = Buffer.buffer();
    body.appendLong(s.time());
    SessionWire.string(body, s.node());
    byte[] record = RecordCodec.encode(m);
    body.appendInt(record.length).appendBytes(record);
    return Buffer.buffer().appendInt(body.length()).appendBuffer(body);
  }

  private Future<Void> applyRemote(Buffer body) {
    int[] pos = {8};
    long time = body.getLong(0);
    String node = SessionWire.string(body, pos);
    Message m = RecordCodec.decode(SessionWire.bytes(body, pos));
    clock = Math.max(clock, time);
    return apply(m, new Stamp(time, node));
  }

  private Future<Void> apply(Message m, Stamp stamp) {
    String key = m.tenant() + '\u0000' + m.topic();
    if (!stamp.newerThan(stamps.get(key))) {
      return Future.succeededFuture(); // a newer value is already here
    }
    stamps.put(key, stamp);
    if (m.payload().length() == 0) {
      all.remove(key);
    } else {
      all.put(key, m);
    }
    return local.put(m);
  }

  @Override
  public Future<Void> put(Message message) {
    clock = Math.max(clock + 1, System.currentTimeMillis() * 1000);
    Stamp stamp = new Stamp(clock, view.nodeId());
    List<Future<Void>> acks = new ArrayList<>();
    acks.add(apply(message, stamp));
    Buffer body = entry(message, stamp);
    Buffer payload = body.slice(4, body.length());
    for (String member : view.members()) {
      if (!member.equals(view.nodeId())) {
        acks.add(
            vertx
                .eventBus()
                .request(APPLY + member, payload, ASK)
                .<Void>mapEmpty()
                .otherwise(
                    e -> {
                      unconfirmed.increment(); // the member left or is slow; counted, not fatal
                      return null;
                    }));
      }
    }
    return Future.all(acks).mapEmpty();
  }

  @Override
  public List<Message> matching(String tenant, String filter) {
    return local.matching(tenant, filter);
  }

  @Override
  public boolean has(String tenant, String topic) {
    return local.has(tenant, topic);
  }

  @Override
  public int size() {
    return local.size();
  }

  @Override
  public Future<Void> close() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList())
        .eventually(local::close)
        .mapEmpty();
  }
}
