package io.busbar.verticles.mqtt.cluster;

import java.util.List;
import java.util.function.Consumer;

/**
 * What the broker needs to know about the cluster it runs in: its own event-bus node id, the
 * members (oldest first) and when one leaves. The hub implements it on the Hazelcast cluster
 * manager; the broker never sees Hazelcast itself.
 */
public interface ClusterView {

  /** This node's id on the clustered event bus (the cluster manager's node id). */
  String nodeId();

  /** The ids of the current members, oldest first. */
  List<String> members();

  /**
   * Calls {@code left} with a member's node id when it leaves or is declared dead. May be called on
   * any thread.
   */
  void onMemberLeft(Consumer<String> left);
}
