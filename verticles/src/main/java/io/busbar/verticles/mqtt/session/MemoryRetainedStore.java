package io.busbar.verticles.mqtt.session;

import io.busbar.verticles.mqtt.topic.TopicTree;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Retained messages in memory, lost on restart: a topic tree per tenant, so a subscription finds
 * its retained messages by walking the branches its filter matches.
 */
public final class MemoryRetainedStore implements RetainedStore {

  private static final Future<Void> DONE = Future.succeededFuture();

  private final Map<String, TopicTree<Message>> byTenant = new HashMap<>();
  private int size;

  @Override
  public Future<Void> put(Message message) {
    TopicTree<Message> tree = byTenant.computeIfAbsent(message.tenant(), t -> new TopicTree<>());
    if (message.payload().length() == 0) {
      // MQTT §3.3.1.3: a retained message with an empty payload removes the retained message
      if (tree.remove(message.topic()) != null) {
        size--;
      }
      if (tree.size() == 0) {
        byTenant.remove(message.tenant());
      }
    } else if (tree.put(message.topic(), message) == null) {
      size++;
    }
    return DONE;
  }

  @Override
  public List<Message> matching(String tenant, String filter) {
    TopicTree<Message> tree = byTenant.get(tenant);
    if (tree == null) {
      return List.of();
    }
    List<Message> found = new ArrayList<>();
    tree.match(filter, found::add);
    return found;
  }

  @Override
  public boolean has(String tenant, String topic) {
    TopicTree<Message> tree = byTenant.get(tenant);
    return tree != null && tree.get(topic) != null;
  }

  /** Every retained message, for snapshots. */
  public List<Message> all() {
    List<Message> found = new ArrayList<>();
    byTenant.values().forEach(tree -> tree.forEach(found::add));
    return found;
  }

  @Override
  public int size() {
    return size;
  }
}
