package io.busbar.verticles.mqtt.session;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * The other broker nodes of a cluster, as the {@link PostOffice} sees them: told when a filter gets
 * its first or loses its last local subscriber (to keep the cluster's route table), and asked to
 * forward a message to the nodes that have matching subscribers. Called on the broker's event loop.
 */
public interface Peers {

  /** What {@link #forward} did. */
  record Plan(int remoteNodes, Set<String> sharedServedElsewhere) {}

  /**
   * {@code filter} (as subscribed, with any {@code $share/} prefix) got its first local session.
   */
  void filterAdded(String tenant, String filter);

  /** {@code filter} lost its last local session. */
  void filterRemoved(String tenant, String filter);

  /**
   * Forwards {@code message} once to each other node with matching subscriptions, adding to {@code
   * writes} a future for every node that must confirm (QoS 1/2).
   *
   * @return how many nodes it went to, and which shared filters another node serves for this
   *     message (each share group is served by one node of the cluster)
   */
  Plan forward(Message message, List<Future<Void>> writes);
}
