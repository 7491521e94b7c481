package io.busbar.verticles.mqtt.cluster;

import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.Peers;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.busbar.verticles.mqtt.store.RecordCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part of the one broker a cluster forms. See {@code docs/cluster.md}.
 *
 * <ul>
 *   <li><b>Route table</b> (event bus, no Hazelcast map): when a filter gets its first or loses its
 *       last local subscriber, the node publishes {@code {node, seq, op, tenant, filter}} on {@code
 *       busbar.mqtt.routes}; a starting node publishes {@code hello} and every member answers with
 *       a full snapshot on {@code busbar.mqtt.routes.<node>}; a leaving node publishes {@code bye};
 *       a dead member's routes are dropped when the cluster manager removes it.
 *   <li><b>Forwarding</b>: a PUBLISH goes once to each node with matching routes on {@code
 *       busbar.mqtt.forward.<node>} (binary: the share groups that node serves, then the message
 *       with its MQTT 5 properties); QoS 1/2 as a request that the receiving node answers once its
 *       deliveries are stored, so the publisher's PUBACK waits for it. Each share group is served
 *       by one node per message, round-robin over the nodes with members.
 *   <li><b>Client directory</b> (the Vert.x cluster-wide map {@code busbar.mqtt.clients}, a
 *       Hazelcast IMap with the configured backup count): tenant + client id → the node holding its
 *       session and, while connected, its will. A CONNECT asks the previous owner to close the old
 *       connection (5.0 DISCONNECT 0x8E) and hand over a persistent session ({@code
 *       busbar.mqtt.takeover.<node>}). When a member dies, the oldest survivor publishes the wills
 *       of the clients that were connected to it; a persistent session's will (in its replica)
 *       keeps its will delay, counted from the adoption, and a delayed will pending on the dead
 *       node keeps its due time.
 * </ul>
 *
 * <p>Threading: everything runs on the broker verticle's event loop; results of the cluster map are
 * brought back to it.
 *
 * <p>Metrics: {@code busbar.mqtt.cluster.forwarded}, {@code busbar.mqtt.cluster.forward.failed},
 * {@code busbar.mqtt.cluster.received}, {@code busbar.mqtt.cluster.takeovers}, {@code
 * busbar.mqtt.cluster.wills.published}, {@code busbar.mqtt.cluster.sessions.adopted}.
 *
 * <p><b>Sessions of a dead member</b>: the oldest survivor adopts them from their replicas ({@link
 * ReplicatedSessionStore}), then publishes {@code bye} for the dead member's routes; until then QoS
 * 1/2 forwards to it are retried and, once it is no longer a member, sent to the adopter with the
 * header {@code for-dead}, which delivers them after the adoption.
 */
public final class BrokerCluster implements Peers {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerCluster.class);

  static final String ROUTES = "busbar.mqtt.routes";
  static final String ROUTES_TO = "busbar.mqtt.routes.";
  static final String FORWARD = "busbar.mqtt.forward.";
  static final String TAKEOVER = "busbar.mqtt.takeover.";
  static final String CLIENTS = "busbar.mqtt.clients";

  private static final long FORWARD_TIMEOUT_MS = 10_000;

  /** How long a QoS 1/2 forward to an unreachable member is retried before it counts as failed. */
  private static final long FORWARD_RETRY_MS = 30_000;

  static final String FOR_DEAD = "for-dead";

  private final Vertx vertx;
  private final ClusterView view;
  private final String self;
  private final RouteTable routes = new RouteTable();
  private final Map<String, Integer> shareCursor = new HashMap<>();
  private final Map<String, String> written = new HashMap<>(); // directory values this node wrote
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Counter forwarded;
  private final Counter forwardFailed;
  private final Counter received;
  private final Counter takeovers;
  private final Counter willsPublished;
  private final Counter sessionsAdopted;
  private Context context;
  private LocalBroker broker;
  private AsyncMap<String, String> clients;
  private AsyncMap<String, Buffer> sessions;
  private final Map<String, Future<Void>> adoptions =
      new HashMap<>(); // dead node → its sessions taken
  private long seq;

  public BrokerCluster(Vertx vertx, ClusterView view, MeterRegistry registry) {
    this.vertx = vertx;
    this.view = view;
    this.self = view.nodeId();
    this.forwarded = registry.counter("busbar.mqtt.cluster.forwarded");
    this.forwardFailed = registry.counter("busbar.mqtt.cluster.forward.failed");
    this.received = registry.counter("busbar.mqtt.cluster.received");
    this.takeovers = registry.counter("busbar.mqtt.cluster.takeovers");
    this.willsPublished = registry.counter("busbar.mqtt.cluster.wills.published");
    this.sessionsAdopted = registry.counter("busbar.mqtt.cluster.sessions.adopted");
  }

  /** This node's id on the event bus. */
  public String nodeId() {
    return self;
  }

  /** The number of other nodes' routes known. */
  public int remoteRoutes() {
    return routes.size();
  }

  /**
   * Joins: registers the consumers, asks the members for their routes, opens the client directory.
   * Call on the broker's context after its post office has been restored.
   */
  public Future<Void> start(LocalBroker broker) {
    this.broker = broker;
    this.context = vertx.getOrCreateContext();
    broker.postOffice().peers(this);
    var bus = vertx.eventBus();
    consumers.add(bus.<JsonObject>consumer(ROUTES, m -> onRoute(m.body())));
    consumers.add(bus.<JsonObject>consumer(ROUTES_TO + self, m -> onSnapshot(m.body())));
    consumers.add(bus.<Buffer>consumer(FORWARD + self, this::onForward));
    consumers.add(bus.<String>consumer(TAKEOVER + self, this::onTakeover));
    view.onMemberLeft(node -> context.runOnContext(v -> memberLeft(node)));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
        .compose(v -> vertx.sharedData().<String, String>getClusterWideMap(CLIENTS))
        .compose(map -> here(Future.succeededFuture(map)))
        .compose(
            map -> {
              clients = map;
              return vertx
                  .sharedData()
                  .<String, Buffer>getClusterWideMap(ReplicatedSessionStore.SESSIONS);
            })
        .compose(map -> here(Future.succeededFuture(map)))
        .map(
            map -> {
              sessions = map;
              bus.publish(ROUTES, new JsonObject().put("node", self).put("op", "hello"));
              return null;
            });
  }

  /**
   * Leaves: stops answering. This node's routes stay in the other members' tables until the adopter
   * has taken its persistent sessions from their replicas and says {@code bye} for it; meanwhile
   * forwards to it are retried and then redirected to the adopter, so a graceful leave loses no
   * acknowledged message for them either.
   */
  public Future<Void> stop() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  // ---- route table ----

  @Override
  public void filterAdded(String tenant, String filter) {
    announce("add", tenant, filter);
  }

  @Override
  public void filterRemoved(String tenant, String filter) {
    announce("remove", tenant, filter);
  }

  private void announce(String op, String tenant, String filter) {
    vertx
        .eventBus()
        .publish(
            ROUTES,
            new JsonObject()
                .put("node", self)
                .put("seq", ++seq)
                .put("op", op)
                .put("tenant", tenant)
                .put("filter", filter));
  }

  private void onRoute(JsonObject m) {
    String node = m.getString("node");
    if (self.equals(node)) {
      return;
    }
    switch (m.getString("op")) {
      case "hello" -> vertx.eventBus().send(ROUTES_TO + node, snapshot());
      case "bye" -> routes.dropNode(node);
      default ->
          routes.apply(
              node,
              m.getLong("seq"),
              "add".equals(m.getString("op")),
              m.getString("tenant"),
              m.getString("filter"));
    }
  }

  private JsonObject snapshot() {
    JsonArray list = new JsonArray();
    for (String[] r : broker.postOffice().localFilters()) {
      list.add(new JsonArray().add(r[0]).add(r[1]));
    }
    return new JsonObject().put("node", self).put("seq", seq).put("routes", list);
  }

  private void onSnapshot(JsonObject m) {
    List<String[]> list = new ArrayList<>();
    for (Object o : m.getJsonArray("routes")) {
      JsonArray r = (JsonArray) o;
      list.add(new String[] {r.getString(0), r.getString(1)});
    }
    routes.replace(m.getString("node"), m.getLong("seq"), list);
  }

  // ---- forwarding ----

  @Override
  public Plan forward(Message message, List<Future<Void>> writes) {
    RouteTable.Match match = routes.match(message.tenant(), message.topic());
    if (match.plainNodes().isEmpty() && match.sharedCandidates().isEmpty()) {
      return new Plan(0, Set.of());
    }
    Map<String, List<String>> plan = new LinkedHashMap<>();
    match.plainNodes().forEach(n -> plan.put(n, new ArrayList<>()));
    Set<String> elsewhere = new LinkedHashSet<>();
    PostOffice office = broker.postOffice();
    for (Map.Entry<String, List<String>> group : match.sharedCandidates().entrySet()) {
      String filter = group.getKey();
      List<String> candidates = new ArrayList<>(group.getValue());
      if (office.hasLocal(message.tenant(), filter)) {
        candidates.add(self);
      }
      candidates.sort(null);
      int cursor = shareCursor.merge(message.tenant() + '\u0000' + filter, 1, Integer::sum);
      String chosen = candidates.get(Math.floorMod(cursor, candidates.size()));
      if (!chosen.equals(self)) {
        elsewhere.add(filter);
        plan.computeIfAbsent(chosen, n -> new ArrayList<>()).add(filter);
      }
    }
    byte[] record = RecordCodec.encode(message);
    for (Map.Entry<String, List<String>> target : plan.entrySet()) {
      Buffer body = SessionWire.encodeForward(target.getValue(), record);
      forwarded.increment();
      if (message.qos() == 0) {
        if (view.members().contains(target.getKey())) {
          vertx.eventBus().send(FORWARD + target.getKey(), body);
        }
      } else {
        writes.add(
            here(
                forwardReliably(
                        target.getKey(), body, System.currentTimeMillis() + FORWARD_RETRY_MS)
                    .otherwise(
                        e -> {
                          forwardFailed.increment();
                          LOG.warn("forward to {} failed: {}", target.getKey(), e.getMessage());
                          return null;
                        })));
      }
    }
    return new Plan(plan.size(), elsewhere);
  }

  /**
   * Sends a QoS 1/2 forward until a node confirms it: to {@code node} while it is a member (retried
   * while it does not answer, e.g. killed but not yet declared dead), else to the member that
   * adopts the dead node's sessions, which delivers it once they are adopted.
   */
  private Future<Void> forwardReliably(String node, Buffer body, long deadline) {
    boolean alive = view.members().contains(node);
    DeliveryOptions options =
        new DeliveryOptions().setSendTimeout(alive ? 3_000 : FORWARD_TIMEOUT_MS);
    String to = node;
    if (!alive) {
      to = adopter();
      options.addHeader(FOR_DEAD, node);
    }
    Future<Void> sent =
        to == null
            ? Future.failedFuture("no member left")
            : vertx.eventBus().request(FORWARD + to, body, options).mapEmpty();
    return sent.recover(
        e -> {
          if (System.currentTimeMillis() > deadline) {
            return Future.failedFuture(e);
          }
          Promise<Void> retried = Promise.promise();
          vertx.setTimer(500, t -> forwardReliably(node, body, deadline).onComplete(retried));
          return retried.future();
        });
  }

  /** The member that adopts the sessions of dead members: the oldest. */
  private String adopter() {
    List<String> members = view.members();
    return members.isEmpty() ? null : members.get(0);
  }

  private void onForward(io.vertx.core.eventbus.Message<Buffer> msg) {
    received.increment();
    Set<String> groups = new LinkedHashSet<>();
    Message message = RecordCodec.decode(SessionWire.decodeForward(msg.body(), groups));
    String dead = msg.headers().get(FOR_DEAD);
    if (dead != null) {
      // meant for a dead member's sessions: deliver once this node has adopted them
      adoptDead(dead).onComplete(v -> deliverForwarded(msg, message, groups));
      return;
    }
    deliverForwarded(msg, message, groups);
  }

  private void deliverForwarded(
      io.vertx.core.eventbus.Message<Buffer> msg, Message message, Set<String> groups) {
    PostOffice.Routed routed = broker.postOffice().deliverForwarded(message, groups);
    if (message.qos() == 0) {
      return;
    }
    if (routed.stored() == null) {
      msg.reply(null);
    } else {
      routed.stored().onComplete(ar -> msg.reply(null));
    }
  }

  // ---- client directory, takeover, wills ----

  private static String key(String tenant, String clientId) {
    return tenant + '\u0000' + clientId;
  }

  /**
   * Makes this node the holder of the client's session before its CONNACK: when another live node
   * holds it, that node closes the old connection (DISCONNECT 0x8E) and hands over a persistent
   * session, which is put into this broker. Then records this node and the connection's will.
   *
   * @param will the will to publish if this node dies while the client is connected, or {@code
   *     null}
   * @return a future completed on the broker's context; never failed (a directory failure only
   *     loses cluster-wide uniqueness for this connect, and is logged)
   */
  public Future<Void> claim(String tenant, String clientId, Message will) {
    String key = key(tenant, clientId);
    return here(
        claim(tenant, clientId, key, will, 20)
            .otherwise(
                e -> {
                  LOG.warn("client directory unavailable for {}: {}", clientId, e.getMessage());
                  return null;
                }));
  }

  private Future<Void> claim(String tenant, String clientId, String key, Message will, int tries) {
    return here(clients.get(key))
        .compose(
            value -> {
              String owner = value == null ? null : new JsonObject(value).getString("node");
              if (owner == null || owner.equals(self)) {
                return record(key, will);
              }
              if (!view.members().contains(owner)) {
                // its node is dead: take the directory entry, then the session's replica
                String mine = entry(will);
                return here(clients.replaceIfPresent(key, value, mine))
                    .compose(
                        won -> {
                          if (!won) {
                            return tries > 0
                                ? claim(tenant, clientId, key, will, tries - 1)
                                : record(key, will);
                          }
                          written.put(key, mine);
                          return adoptReplica(tenant, clientId, will(value));
                        });
              }
              takeovers.increment();
              return here(vertx
                      .eventBus()
                      .<Buffer>request(
                          TAKEOVER + owner, key, new DeliveryOptions().setSendTimeout(5_000))
                      .map(io.vertx.core.eventbus.Message::body))
                  .compose(
                      state -> {
                        if (state != null && state.length() > 0) {
                          broker.adopt(SessionWire.decode(state));
                        }
                        return record(key, will);
                      },
                      e -> {
                        if (tries <= 0) {
                          return record(key, will);
                        }
                        // the owner does not answer: killed but not yet declared dead; retry
                        Promise<Void> p = Promise.promise();
                        vertx.setTimer(
                            1_000,
                            t -> claim(tenant, clientId, key, will, tries - 1).onComplete(p));
                        return p.future();
                      });
            });
  }

  /**
   * The client reconnects here and its node is dead: puts the replicated session (if any) into this
   * broker. The will of the lost connection is published if it was due at once; a delayed one is
   * not, the client being back (MQTT 5.0 §3.1.3.2.2).
   */
  private Future<Void> adoptReplica(String tenant, String clientId, String directoryWill) {
    return here(ReplicatedSessionStore.read(sessions, tenant, clientId))
        .map(
            state -> {
              if (state == null) {
                publishWill(directoryWill);
              } else {
                sessionsAdopted.increment();
                take(state, directoryWill);
              }
              return null;
            });
  }

  /**
   * Puts a dead node's session into this broker with its will: the replica's will (the live
   * connection's, due its will delay from now, or a delayed will with its due time) is published
   * now if due, else scheduled with the session, which its client's return cancels. Without one in
   * the replica (not written yet when the node died) the directory's will is published now.
   */
  private void take(SessionStore.StoredSession state, String directoryWill) {
    SessionStore.StoredWill will = state.will();
    if (will == null) {
      publishWill(directoryWill);
    } else if (will.dueAtMillis() <= System.currentTimeMillis()) {
      willsPublished.increment();
      broker.publish(will.message());
      state =
          new SessionStore.StoredSession(
              state.tenant(),
              state.clientId(),
              state.expirySeconds(),
              state.subscriptions(),
              state.messages(),
              state.incomingQos2(),
              null);
    }
    broker.adopt(state);
  }

  private void publishWill(String encoded) {
    if (encoded != null) {
      willsPublished.increment();
      broker.publish(RecordCodec.decode(Base64.getDecoder().decode(encoded)));
    }
  }

  /** The will of a directory entry (Base64 of its record), or {@code null}. */
  private static String will(String entry) {
    return new JsonObject(entry).getString("will");
  }

  private String entry(Message will) {
    JsonObject entry = new JsonObject().put("node", self);
    if (will != null) {
      entry.put("will", Base64.getEncoder().encodeToString(RecordCodec.encode(will)));
    }
    return entry.encode();
  }

  private Future<Void> record(String key, Message will) {
    String value = entry(will);
    written.put(key, value);
    return clients.put(key, value);
  }

  /** The connection closed but its persistent session stays here: its will is no longer due. */
  public void detached(String tenant, String clientId) {
    if (clients != null) {
      record(key(tenant, clientId), null);
    }
  }

  /** The session ended on this node: it leaves the directory unless another node holds it now. */
  public void sessionEnded(String tenant, String clientId) {
    String value = written.remove(key(tenant, clientId));
    if (value != null && clients != null) {
      clients.removeIfPresent(key(tenant, clientId), value);
    }
  }

  private void onTakeover(io.vertx.core.eventbus.Message<String> msg) {
    String key = msg.body();
    int nul = key.indexOf('\u0000');
    written.remove(key);
    SessionStore.StoredSession state =
        broker.handOver(key.substring(0, nul), key.substring(nul + 1));
    msg.reply(state == null ? Buffer.buffer() : SessionWire.encode(state));
  }

  private void memberLeft(String node) {
    // its routes stay until its sessions are adopted: forwards for it go to the adopter meanwhile
    if (self.equals(adopter())) {
      adoptDead(node);
    }
  }

  /**
   * Takes over what a dead member held (once): adopts its persistent sessions from their replicas
   * (subscriptions announced from here, incoming QoS 2 ids, delayed wills scheduled), publishes the
   * wills that are due, then tells every member to drop the dead member's routes.
   */
  private Future<Void> adoptDead(String node) {
    Future<Void> known = adoptions.get(node);
    if (known != null) {
      return known;
    }
    if (clients == null) {
      return Future.succeededFuture();
    }
    Future<Void> done =
        here(clients.entries())
            .compose(
                entries -> {
                  List<Future<Void>> steps = new ArrayList<>();
                  for (Map.Entry<String, String> e : entries.entrySet()) {
                    JsonObject entry = new JsonObject(e.getValue());
                    if (node.equals(entry.getString("node"))) {
                      steps.add(adoptClient(e.getKey(), e.getValue(), entry.getString("will")));
                    }
                  }
                  return Future.join(steps).<Void>mapEmpty();
                })
            .otherwise(
                e -> {
                  LOG.warn("sessions and wills of {} not taken over: {}", node, e.getMessage());
                  return null;
                })
            .onComplete(
                v -> {
                  routes.dropNode(node);
                  vertx
                      .eventBus()
                      .publish(ROUTES, new JsonObject().put("node", node).put("op", "bye"));
                });
    adoptions.put(node, done);
    return done;
  }

  /**
   * Takes one client of a dead node: its session from the replica, its will. Whoever moves the
   * directory entry (this node, or the node the client reconnected to first) publishes or schedules
   * the will, so it is published once.
   */
  private Future<Void> adoptClient(String key, String value, String will) {
    int nul = key.indexOf('\u0000');
    String tenant = key.substring(0, nul);
    String clientId = key.substring(nul + 1);
    return here(ReplicatedSessionStore.read(sessions, tenant, clientId))
        .compose(
            state -> {
              if (state == null) {
                return here(clients.removeIfPresent(key, value))
                    .map(
                        won -> {
                          if (won) {
                            publishWill(will);
                          }
                          return null;
                        });
              }
              String mine = entry(null);
              return here(clients.replaceIfPresent(key, value, mine))
                  .map(
                      won -> {
                        if (won) { // else the client reconnected elsewhere first and took it
                          written.put(key, mine);
                          sessionsAdopted.increment();
                          take(state, will);
                        }
                        return null;
                      });
            });
  }

  /** Brings a future's completion back to the broker's context. */
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
