package io.busbar.verticles.mqtt.topic;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Topic filters arranged by level, so a PUBLISH finds its subscribers in time proportional to the
 * depth of its topic, not the number of subscriptions. Each filter holds at most one value per
 * subscriber key (a client id): subscribing again to the same filter replaces the value (MQTT 3.1.1
 * §3.8.4, 5.0 §3.8.4). Not thread-safe.
 *
 * @param <V> what is stored per subscriber, e.g. the subscription options
 */
public final class SubscriptionTrie<V> {

  private static final class Node<V> {
    final Map<String, Node<V>> children = new HashMap<>(4);
    final Map<String, V> subscribers = new HashMap<>(2);

    boolean isEmpty() {
      return children.isEmpty() && subscribers.isEmpty();
    }
  }

  private final Node<V> root = new Node<>();
  private int size;

  /**
   * Stores {@code value} for {@code key} under the valid filter {@code filter}.
   *
   * @return the value it replaced, or {@code null} when the key had no subscription to the filter
   */
  public V put(String filter, String key, V value) {
    Node<V> node = root;
    for (String level : filter.split("/", -1)) {
      node = node.children.computeIfAbsent(level, l -> new Node<>());
    }
    V previous = node.subscribers.put(key, value);
    if (previous == null) {
      size++;
    }
    return previous;
  }

  /**
   * Removes {@code key}'s subscription to {@code filter}, pruning emptied branches.
   *
   * @return the removed value, or {@code null} when there was none
   */
  public V remove(String filter, String key) {
    String[] levels = filter.split("/", -1);
    return remove(root, levels, 0, key);
  }

  private V remove(Node<V> node, String[] levels, int depth, String key) {
    if (depth == levels.length) {
      V removed = node.subscribers.remove(key);
      if (removed != null) {
        size--;
      }
      return removed;
    }
    Node<V> child = node.children.get(levels[depth]);
    if (child == null) {
      return null;
    }
    V removed = remove(child, levels, depth + 1, key);
    if (child.isEmpty()) {
      node.children.remove(levels[depth]);
    }
    return removed;
  }

  /**
   * Calls {@code visitor} with (filter-less) key and value of every subscription whose filter
   * matches the topic name {@code topic}; a key subscribed through several matching filters is
   * visited once per filter.
   */
  public void match(String topic, BiConsumer<String, V> visitor) {
    String[] levels = topic.split("/", -1);
    // MQTT §4.7.2: a topic starting with '$' is not matched by a leading '+' or '#'
    boolean system = topic.startsWith("$");
    match(root, levels, 0, system, visitor);
  }

  private void match(
      Node<V> node, String[] levels, int depth, boolean system, BiConsumer<String, V> visitor) {
    boolean wildcardsAllowed = !(system && depth == 0);
    if (wildcardsAllowed) {
      Node<V> multi = node.children.get("#");
      if (multi != null) {
        // '#' matches this level and everything below it, including the parent (§4.7.1.2)
        multi.subscribers.forEach(visitor);
      }
    }
    if (depth == levels.length) {
      node.subscribers.forEach(visitor);
      return;
    }
    Node<V> exact = node.children.get(levels[depth]);
    if (exact != null) {
      match(exact, levels, depth + 1, system, visitor);
    }
    if (wildcardsAllowed) {
      Node<V> single = node.children.get("+");
      if (single != null) {
        match(single, levels, depth + 1, system, visitor);
      }
    }
  }

  /** The number of (filter, key) subscriptions held. */
  public int size() {
    return size;
  }
}
