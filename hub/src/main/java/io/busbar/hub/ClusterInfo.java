package io.busbar.hub;

import io.busbar.codecs.bus.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers {@link Addresses#CLUSTER_QUERY} on this node: asks every member for its figures on its
 * own address ({@code busbar.cluster.node.<member id>}) and merges the answers. Runs on one event
 * loop; a member that does not answer in time is listed as unreachable.
 */
final class ClusterInfo {

  private static final String NODE_ADDRESS = "busbar.cluster.node.";
  private static final long RATE_WINDOW_MS = 5_000;
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(2_000);

  private final Vertx vertx;
  private final ClusterManager clusterManager; // null when not clustered
  private final String clusterName;
  private final String nodeId;
  private final MeterRegistry registry;
  private final long startedAt = System.currentTimeMillis();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private double lastCount;
  private double ratePerSecond;
  private long timer;

  ClusterInfo(
      Vertx vertx,
      ClusterManager clusterManager,
      String clusterName,
      String nodeId,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.clusterName = clusterName;
    this.nodeId = nodeId;
    this.registry = registry;
  }

  Future<Void> start() {
    timer = vertx.setPeriodic(RATE_WINDOW_MS, t -> sampleRate());
    consumers.add(
        vertx
            .eventBus()
            .<JsonObject>localConsumer(
                Addresses.CLUSTER_QUERY,
                msg ->
                    query()
                        .onComplete(
                            ar -> {
                              if (ar.succeeded()) {
                                msg.reply(ar.result());
                              } else {
                                msg.fail(500, ar.cause().getMessage());
                              }
                            })));
    consumers.add(
        vertx
            .eventBus()
            .<JsonObject>consumer(NODE_ADDRESS + memberId(), msg -> msg.reply(figures())));
    return Future.join(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  Future<Void> stop() {
    vertx.cancelTimer(timer);
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  private String memberId() {
    return clusterManager == null ? nodeId : clusterManager.getNodeId();
  }

  private Future<JsonObject> query() {
    List<String> members = clusterManager == null ? List.of(memberId()) : clusterManager.getNodes();
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String member : members) {
      answers.add(
          vertx
              .eventBus()
              .<JsonObject>request(NODE_ADDRESS + member, new JsonObject(), ASK)
              .map(reply -> reply.body().put("reachable", true))
              .otherwise(
                  e ->
                      new JsonObject()
                          .put("member", member)
                          .put("reachable", false)
                          .put("error", e.getMessage())));
    }
    return Future.all(answers)
        .map(
            all -> {
              JsonArray list = new JsonArray();
              answers.forEach(a -> list.add(a.result()));
              return new JsonObject()
                  .put("cluster", clusterManager == null ? null : clusterName)
                  .put("self", nodeId)
                  .put("members", list);
            });
  }

  private JsonObject figures() {
    return new JsonObject()
        .put("node", nodeId)
        .put("member", memberId())
        .put("clients", gauge("busbar.mqtt.clients.connected"))
        .put("messagesIn", (long) counter("busbar.mqtt.messages.in"))
        .put("messagesInPerSecond", Math.round(ratePerSecond * 10) / 10.0)
        .put("uptimeMs", System.currentTimeMillis() - startedAt);
  }

  private void sampleRate() {
    double count = counter("busbar.mqtt.messages.in");
    ratePerSecond = (count - lastCount) * 1000.0 / RATE_WINDOW_MS;
    lastCount = count;
  }

  private long gauge(String name) {
    Gauge gauge = registry.find(name).gauge();
    return gauge == null ? 0 : (long) gauge.value();
  }

  private double counter(String name) {
    return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }
}
