package io.busbar.verticles.mqtt.session;

import io.busbar.verticles.mqtt.topic.TopicNames;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Retained messages in memory, lost on restart. Matching scans the tenant's retained topics. */
public final class MemoryRetainedStore implements RetainedStore {

  private final Map<String, Map<String, Message>> byTenant = new HashMap<>();
  private int size;

  private static final Future<Void> DONE = Future.succeededFuture();

  @Override
  public Future<Void> put(Message message) {
    Map<String, Message> topics = byTenant.computeIfAbsent(message.tenant(), t -> new HashMap<>());
    Message previous;
    if (message.payload().length() == 0) {
      // MQTT §3.3.1.3: a retained message with an empty payload removes the retained message
      previous = topics.remove(message.topic());
      if (previous != null) {
        size--;
      }
    } else {
      previous = topics.put(message.topic(), message);
      if (previous == null) {
        size++;
      }
    }
    return DONE;
  }

  /** Every retained message, for snapshots. */
  public List<Message> all() {
    List<Message> found = new ArrayList<>();
    byTenant.values().forEach(topics -> found.addAll(topics.values()));
    return found;
  }

  @Override
  public List<Message> matching(String tenant, String filter) {
    Map<String, Message> topics = byTenant.get(tenant);
    if (topics == null) {
      return List.of();
    }
    List<Message> found = new ArrayList<>();
    for (Message m : topics.values()) {
      if (TopicNames.matches(filter, m.topic())) {
        found.add(m);
      }
    }
    return found;
  }

  @Override
  public boolean has(String tenant, String topic) {
    Map<String, Message> topics = byTenant.get(tenant);
    return topics != null && topics.containsKey(topic);
  }

  @Override
  public int size() {
    return size;
  }
}
