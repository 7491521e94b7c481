package io.busbar.verticles.mqtt.cluster;

import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.busbar.verticles.mqtt.session.Subscription;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SessionStore} that keeps this node's own store (journal or memory) and, for every
 * persistent session, a replica in the cluster-wide map {@code busbar.mqtt.sessions} (a Hazelcast
 * IMap, backup count {@code cluster.backup-count}): tenant + client id → the whole session (expiry,
 * subscriptions, queued and in-flight QoS 1/2 messages, incoming QoS 2 packet ids awaiting PUBREL,
 * the will of its live connection or its delayed will with the time it is due) in {@link
 * SessionWire} form. The node that adopts the session of a dead member reads it from there.
 *
 * <p>Cost: each change rewrites the session's whole snapshot (bounded like its queue), but at most
 * one write per session is in flight; changes made meanwhile are coalesced into the next write. A
 * QoS 1/2 message handed to a session is durable (and its publisher's PUBACK may go) only once a
 * write that contains it has completed; likewise an incoming QoS 2 packet id (PUBREC waits for it)
 * and its release (PUBCOMP waits for it), so that a PUBLISH resent to another node after this one
 * died is not routed twice. Wills are written without waiting. Nothing is written for QoS 0 or for
 * non-persistent sessions.
 *
 * <p>Threading: called on the broker's event loop; map completions are brought back to it.
 */
public final class ReplicatedSessionStore implements SessionStore {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedSessionStore.class);

  static final String SESSIONS = "busbar.mqtt.sessions";

  /** The replica of one session as this node last told it. */
  private static final class Mirror {
    final String tenant;
    final String clientId;
    long expiry;
    final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    final TreeMap<Long, StoredMessage> messages = new TreeMap<>();
    final Set<Integer> incomingQos2 = new LinkedHashSet<>();
    StoredWill will; // due at an epoch time (the connection is gone)
    StoredWill armedWill; // of the live connection: dueAtMillis holds the will delay
    boolean ended;
    boolean dirty;
    boolean writing;
    Buffer written; // the value this node put last, to remove only that
    List<Promise<Void>> waiting = new ArrayList<>();

    Mirror(String tenant, String clientId) {
      this.tenant = tenant;
      this.clientId = clientId;
    }
  }

  private final SessionStore local;
  private final Vertx vertx;
  private final Counter writes;
  private final Counter writeFailures;
  private final Map<String, Mirror> mirrors = new HashMap<>();
  private Context context;
  private AsyncMap<String, Buffer> map;
  private List<StoredSession> loaded;

  public ReplicatedSessionStore(SessionStore local, Vertx vertx, MeterRegistry registry) {
    this.local = local;
    this.vertx = vertx;
    this.writes = registry.counter("busbar.mqtt.cluster.session.writes");
    this.writeFailures = registry.counter("busbar.mqtt.cluster.session.write.failed");
  }

  /**
   * Opens the cluster map; then writes what changed before (sessions restored from the journal).
   */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    return vertx
        .sharedData()
        .<String, Buffer>getAsyncMap(SESSIONS)
        .compose(m -> here(Future.succeededFuture(m)))
        .map(
            m -> {
              map = m;
              new ArrayList<>(mirrors.values()).forEach(this::flush);
              return null;
            });
  }

  static String key(String tenant, String clientId) {
    return tenant + '\u0000' + clientId;
  }

  /** Reads the replica of a session, or {@code null}. Completes on the caller's context. */
  static Future<StoredSession> read(AsyncMap<String, Buffer> map, String tenant, String clientId) {
    return map.get(key(tenant, clientId))
        .map(b -> b == null || b.length() == 0 ? null : SessionWire.decode(b));
  }

  @Override
  public List<StoredSession> load() {
    if (loaded == null) {
      loaded = local.load();
      for (StoredSession s : loaded) {
        Mirror m = mirror(s.tenant(), s.clientId());
        m.expiry = s.expirySeconds();
        s.subscriptions().forEach(sub -> m.subscriptions.put(sub.filter(), sub));
        s.messages().forEach(msg -> m.messages.put(msg.seq(), msg));
        m.incomingQos2.addAll(s.incomingQos2());
        m.will = s.will();
        m.dirty = true;
      }
    }
    return loaded;
  }

  private Mirror mirror(String tenant, String clientId) {
    return mirrors.computeIfAbsent(key(tenant, clientId), k -> new Mirror(tenant, clientId));
  }

  @Override
  public void sessionSaved(String tenant, String clientId, long expirySeconds) {
    local.sessionSaved(tenant, clientId, expirySeconds);
    Mirror m = mirror(tenant, clientId);
    m.ended = false;
    m.expiry = expirySeconds;
    changed(m);
  }

  @Override
  public void sessionEnded(String tenant, String clientId) {
    local.sessionEnded(tenant, clientId);
    Mirror m = mirrors.get(key(tenant, clientId));
    if (m != null) {
      m.ended = true;
      m.subscriptions.clear();
      m.messages.clear();
      m.incomingQos2.clear();
      m.will = null;
      m.armedWill = null;
      changed(m);
    }
  }

  @Override
  public void subscribed(String tenant, String clientId, Subscription subscription) {
    local.subscribed(tenant, clientId, subscription);
    Mirror m = mirror(tenant, clientId);
    m.subscriptions.put(subscription.filter(), subscription);
    changed(m);
  }

  @Override
  public void unsubscribed(String tenant, String clientId, String filter) {
    local.unsubscribed(tenant, clientId, filter);
    Mirror m = mirrors.get(key(tenant, clientId));
    if (m != null && m.subscriptions.remove(filter) != null) {
      changed(m);
    }
  }

  @Override
  public Future<Void> messageAdded(String tenant, String clientId, long seq, Delivery delivery) {
    Future<Void> journal = local.messageAdded(tenant, clientId, seq, delivery);
    Mirror m = mirror(tenant, clientId);
    m.messages.put(seq, new StoredMessage(seq, delivery, 0));
    return both(journal, replicated(m));
  }

  @Override
  public void messageReleased(String tenant, String clientId, long seq, int packetId) {
    local.messageReleased(tenant, clientId, seq, packetId);
    Mirror m = mirrors.get(key(tenant, clientId));
    StoredMessage old = m == null ? null : m.messages.get(seq);
    if (old != null) {
      m.messages.put(seq, new StoredMessage(seq, old.delivery(), packetId, true));
      changed(m);
    }
  }

  @Override
  public void messageSent(String tenant, String clientId, long seq) {
    local.messageSent(tenant, clientId, seq);
    Mirror m = mirrors.get(key(tenant, clientId));
    StoredMessage old = m == null ? null : m.messages.get(seq);
    if (old != null && !old.sent()) {
      m.messages.put(seq, new StoredMessage(seq, old.delivery(), old.releasedPacketId(), true));
      changed(m);
    }
  }

  @Override
  public void messageRemoved(String tenant, String clientId, long seq) {
    local.messageRemoved(tenant, clientId, seq);
    Mirror m = mirrors.get(key(tenant, clientId));
    if (m != null && m.messages.remove(seq) != null) {
      changed(m);
    }
  }

  @Override
  public Future<Void> incomingQos2Received(String tenant, String clientId, int packetId) {
    Future<Void> journal = local.incomingQos2Received(tenant, clientId, packetId);
    Mirror m = mirrors.get(key(tenant, clientId));
    if (m == null || m.ended) {
      return journal;
    }
    m.incomingQos2.add(packetId);
    return both(journal, replicated(m));
  }

  @Override
  public Future<Void> incomingQos2Released(String tenant, String clientId, int packetId) {
    Future<Void> journal = local.incomingQos2Released(tenant, clientId, packetId);
    Mirror m = mirrors.get(key(tenant, clientId));
    if (m == null || !m.incomingQos2.remove(packetId)) {
      return journal;
    }
    return both(journal, replicated(m));
  }

  @Override
  public void willScheduled(String tenant, String clientId, StoredWill will) {
    local.willScheduled(tenant, clientId, will);
    Mirror m = mirrors.get(key(tenant, clientId));
    if (m != null && !m.ended) {
      m.will = will;
      m.armedWill = null;
      changed(m);
    }
  }

  @Override
  public void willArmed(
      String tenant,
      String clientId,
      long delayMillis,
      io.busbar.verticles.mqtt.session.Message will) {
    local.willArmed(tenant, clientId, delayMillis, will);
    Mirror m = mirrors.get(key(tenant, clientId));
    if (m != null && !m.ended) {
      m.armedWill = new StoredWill(delayMillis, will);
      m.will = null;
      changed(m);
    }
  }

  @Override
  public void willCleared(String tenant, String clientId) {
    local.willCleared(tenant, clientId);
    Mirror m = mirrors.get(key(tenant, clientId));
    if (m != null && (m.will != null || m.armedWill != null)) {
      m.will = null;
      m.armedWill = null;
      changed(m);
    }
  }

  /** A future completed when a write containing the mirror's current state has completed. */
  private Future<Void> replicated(Mirror m) {
    Promise<Void> p = Promise.promise();
    m.waiting.add(p);
    changed(m);
    return p.future();
  }

  private static Future<Void> both(Future<Void> journal, Future<Void> replica) {
    return journal == null ? replica : Future.all(journal, replica).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return local.close();
  }

  private void changed(Mirror m) {
    if (m.dirty) {
      return; // a flush is due already
    }
    m.dirty = true;
    if (context == null) {
      return; // written by start()
    }
    // changes made in the same event-loop turn (message added, then sent) go in one write
    context.runOnContext(v -> flush(m));
  }

  /** Writes the mirror when no write of it is in flight; the write in flight calls it again. */
  private void flush(Mirror m) {
    if (map == null || m.writing || !m.dirty) {
      return;
    }
    m.dirty = false;
    m.writing = true;
    List<Promise<Void>> done = m.waiting;
    m.waiting = new ArrayList<>();
    String key = key(m.tenant, m.clientId);
    Future<Void> write;
    if (m.ended) {
      // another node may hold the session now (takeover): remove only what this node wrote
      write =
          m.written == null
              ? Future.succeededFuture()
              : map.removeIfPresent(key, m.written).mapEmpty();
      m.written = null;
    } else {
      Buffer value =
          SessionWire.encode(
              new StoredSession(
                  m.tenant,
                  m.clientId,
                  m.expiry,
                  List.copyOf(m.subscriptions.values()),
                  List.copyOf(m.messages.values()),
                  Set.copyOf(m.incomingQos2),
                  m.will),
              m.armedWill);
      m.written = value;
      write = map.put(key, value);
    }
    writes.increment();
    here(write)
        .onComplete(
            ar -> {
              m.writing = false;
              if (ar.failed()) {
                writeFailures.increment();
                LOG.warn("session {} not replicated: {}", m.clientId, ar.cause().getMessage());
                done.forEach(p -> p.fail(ar.cause()));
              } else {
                done.forEach(Promise::complete);
              }
              if (m.dirty) {
                flush(m);
              } else if (m.ended && mirrors.get(key) == m) {
                mirrors.remove(key);
              }
            });
  }

  private <T> Future<T> here(Future<T> f) {
    Promise<T> p = Promise.promise();
    f.onComplete(
        ar -> {
          if (Vertx.currentContext() == context) {
            p.handle(ar);
          } else {
            context.runOnContext(v -> p.handle(ar));
          }
        });
    return p.future();
  }
}
