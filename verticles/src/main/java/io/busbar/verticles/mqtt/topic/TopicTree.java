package io.busbar.verticles.mqtt.topic;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Values stored under topic names, arranged by level, so that finding the values whose names match
 * a filter walks only the matching branches (used for retained messages: a SUBSCRIBE to a wildcard
 * filter must not scan every retained topic). Not thread-safe.
 *
 * @param <V> the value kept per topic name
 */
public final class TopicTree<V> {

  private static final class Node<V> {
    final Map<String, Node<V>> children = new HashMap<>(4);
    V value;
  }

  private final Node<V> root = new Node<>();
  private int size;

  /** Stores {@code value} under the topic name {@code topic}; returns the value it replaced. */
  public V put(String topic, V value) {
    Node<V> node = root;
    for (String level : topic.split("/", -1)) {
      node = node.children.computeIfAbsent(level, l -> new Node<>());
    }
    V previous = node.value;
    node.value = value;
    if (previous == null) {
      size++;
    }
    return previous;
  }

  /** The value under {@code topic}, or {@code null}. */
  public V get(String topic) {
    Node<V> node = root;
    for (String level : topic.split("/", -1)) {
      node = node.children.get(level);
      if (node == null) {
        return null;
      }
    }
    return node.value;
  }

  /**
   * Removes the value under {@code topic}, pruning emptied branches; returns it or {@code null}.
   */
  public V remove(String topic) {
    return remove(root, topic.split("/", -1), 0);
  }

  private V remove(Node<V> node, String[] levels, int depth) {
    if (depth == levels.length) {
      V removed = node.value;
      node.value = null;
      if (removed != null) {
        size--;
      }
      return removed;
    }
    Node<V> child = node.children.get(levels[depth]);
    if (child == null) {
      return null;
    }
    V removed = remove(child, levels, depth + 1);
    if (child.value == null && child.children.isEmpty()) {
      node.children.remove(levels[depth]);
    }
    return removed;
  }

  /**
   * Calls {@code visitor} with every value whose topic name matches the valid filter {@code filter}
   * (MQTT §4.7; names starting with {@code $} are not matched by a leading wildcard).
   */
  public void match(String filter, Consumer<V> visitor) {
    match(root, filter.split("/", -1), 0, visitor);
  }

  private void match(Node<V> node, String[] levels, int depth, Consumer<V> visitor) {
    if (depth == levels.length) {
      if (node.value != null) {
        visitor.accept(node.value);
      }
      return;
    }
    String level = levels[depth];
    if (level.equals("#")) {
      // '#' matches the parent level too (§4.7.1.2) and everything below
      if (depth > 0 && node.value != null) {
        visitor.accept(node.value);
      }
      for (Map.Entry<String, Node<V>> e : node.children.entrySet()) {
        if (depth == 0 && e.getKey().startsWith("$")) {
          continue; // §4.7.2
        }
        all(e.getValue(), visitor);
      }
      return;
    }
    if (level.equals("+")) {
      for (Map.Entry<String, Node<V>> e : node.children.entrySet()) {
        if (depth == 0 && e.getKey().startsWith("$")) {
          continue; // §4.7.2
        }
        match(e.getValue(), levels, depth + 1, visitor);
      }
      return;
    }
    Node<V> child = node.children.get(level);
    if (child != null) {
      match(child, levels, depth + 1, visitor);
    }
  }

  private void all(Node<V> node, Consumer<V> visitor) {
    if (node.value != null) {
      visitor.accept(node.value);
    }
    for (Node<V> child : node.children.values()) {
      all(child, visitor);
    }
  }

  /** Every value, in no particular order. */
  public void forEach(Consumer<V> visitor) {
    all(root, visitor);
  }

  public int size() {
    return size;
  }
}
