package io.busbar.verticles.mqtt.cluster;

import io.busbar.verticles.mqtt.topic.SubscriptionTrie;
import io.busbar.verticles.mqtt.topic.TopicNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster's route table as one node knows it: for every other node, the filters (per tenant)
 * that have subscribers there. Each node's entries carry that node's announcement sequence, so an
 * announcement older than a snapshot already applied is ignored. Plain Java, used on the broker's
 * event loop only.
 */
public final class RouteTable {

  /** Which nodes a message goes to: nodes with plain subscribers, and share groups' candidates. */
  public record Match(Set<String> plainNodes, Map<String, List<String>> sharedCandidates) {}

  private final Map<String, SubscriptionTrie<String>> tries = new HashMap<>();
  private final Map<String, Set<String>> byNode = new HashMap<>(); // node → tenant NUL filter
  private final Map<String, Long> lastSeq = new HashMap<>();

  private static String key(String node, String filter) {
    return node + '\u0000' + filter;
  }

  /** Applies an announcement; returns false when it is older than what is known of that node. */
  public boolean apply(String node, long seq, boolean add, String tenant, String filter) {
    Long last = lastSeq.get(node);
    if (last != null && seq <= last) {
      return false;
    }
    lastSeq.put(node, seq);
    if (add) {
      add(node, tenant, filter);
    } else {
      remove(node, tenant, filter);
    }
    return true;
  }

  /** Replaces everything known of {@code node} by its snapshot taken at {@code seq}. */
  public void replace(String node, long seq, List<String[]> routes) {
    Long last = lastSeq.get(node);
    if (last != null && seq < last) {
      return; // announcements newer than this snapshot were applied already
    }
    dropNode(node);
    lastSeq.put(node, seq);
    for (String[] r : routes) {
      add(node, r[0], r[1]);
    }
  }

  /** Forgets every route of a node that left. */
  public void dropNode(String node) {
    Set<String> entries = byNode.remove(node);
    lastSeq.remove(node);
    if (entries == null) {
      return;
    }
    for (String e : entries) {
      int nul = e.indexOf('\u0000');
      String tenant = e.substring(0, nul);
      String filter = e.substring(nul + 1);
      SubscriptionTrie<String> trie = tries.get(tenant);
      if (trie != null) {
        trie.remove(TopicNames.innerFilter(filter), key(node, filter));
      }
    }
  }

  private void add(String node, String tenant, String filter) {
    if (byNode.computeIfAbsent(node, n -> new HashSet<>()).add(tenant + '\u0000' + filter)) {
      tries
          .computeIfAbsent(tenant, t -> new SubscriptionTrie<>())
          .put(TopicNames.innerFilter(filter), key(node, filter), filter);
    }
  }

  private void remove(String node, String tenant, String filter) {
    Set<String> entries = byNode.get(node);
    if (entries != null && entries.remove(tenant + '\u0000' + filter)) {
      tries.get(tenant).remove(TopicNames.innerFilter(filter), key(node, filter));
    }
  }

  /** The nodes whose subscriptions match {@code topic} in {@code tenant}. */
  public Match match(String tenant, String topic) {
    SubscriptionTrie<String> trie = tries.get(tenant);
    if (trie == null) {
      return new Match(Set.of(), Map.of());
    }
    Set<String> plain = new HashSet<>();
    Map<String, List<String>> shared = new LinkedHashMap<>();
    trie.match(
        topic,
        (key, filter) -> {
          String node = key.substring(0, key.indexOf('\u0000'));
          if (TopicNames.isShared(filter)) {
            shared.computeIfAbsent(filter, f -> new ArrayList<>()).add(node);
          } else {
            plain.add(node);
          }
        });
    return new Match(plain, shared);
  }

  /** The number of routes known, all nodes. */
  public int size() {
    return byNode.values().stream().mapToInt(Set::size).sum();
  }
}
