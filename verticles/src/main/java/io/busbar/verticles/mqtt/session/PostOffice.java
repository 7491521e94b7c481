package io.busbar.verticles.mqtt.session;

import io.busbar.verticles.mqtt.topic.SubscriptionTrie;
import io.busbar.verticles.mqtt.topic.TopicNames;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Routes published messages to the sessions whose subscriptions match, inside the publisher's
 * tenant only: each tenant has its own subscription trie, so tenants never see each other's
 * messages. Also keeps retained messages and distributes shared subscriptions (MQTT 5.0 §4.8.2)
 * round-robin among the group's members.
 */
public final class PostOffice {

  private final SessionRegistry sessions;
  private final RetainedStore retained;
  private final Map<String, SubscriptionTrie<Subscription>> tries = new HashMap<>();
  private final Map<String, Integer> shareCursor = new HashMap<>();

  /** Members of each share group: tenant + NUL + shared filter → client ids. */
  private final Map<String, java.util.Set<String>> groupMembers = new HashMap<>();

  private final int maxRetained;
  private long retainedRefused;

  /** Local subscriptions per tenant + NUL + filter, to tell {@link #peers} of first and last. */
  private final Map<String, Integer> filterCounts = new HashMap<>();

  private Peers peers;

  public PostOffice(SessionRegistry sessions, RetainedStore retained) {
    this(sessions, retained, Integer.MAX_VALUE);
  }

  /**
   * @param maxRetained the most retained messages kept; new topics beyond it are not retained
   */
  public PostOffice(SessionRegistry sessions, RetainedStore retained, int maxRetained) {
    this.sessions = sessions;
    this.retained = retained;
    this.maxRetained = maxRetained;
  }

  /** Connects this post office to the other nodes of a cluster. */
  public void peers(Peers peers) {
    this.peers = peers;
  }

  /** Whether {@code filter} of {@code tenant} has local subscriptions. */
  public boolean hasLocal(String tenant, String filter) {
    return filterCounts.containsKey(tenant + '\u0000' + filter);
  }

  /** Every tenant + filter that has local subscriptions, as {@code [tenant, filter]} pairs. */
  public List<String[]> localFilters() {
    List<String[]> out = new ArrayList<>(filterCounts.size());
    for (String key : filterCounts.keySet()) {
      int nul = key.indexOf('\u0000');
      out.add(new String[] {key.substring(0, nul), key.substring(nul + 1)});
    }
    return out;
  }

  private void countFilter(String tenant, String filter, int delta) {
    String key = tenant + '\u0000' + filter;
    int n = filterCounts.getOrDefault(key, 0) + delta;
    if (n <= 0) {
      if (filterCounts.remove(key) != null && peers != null) {
        peers.filterRemoved(tenant, filter);
      }
    } else if (filterCounts.put(key, n) == null && peers != null) {
      peers.filterAdded(tenant, filter);
    }
  }

  /** How many retained messages were not kept because the store was full. */
  public long retainedRefused() {
    return retainedRefused;
  }

  public RetainedStore retained() {
    return retained;
  }

  /** Trie key of a subscription: the client id, or share group and client id for a shared one. */
  private static String trieKey(String clientId, String filter) {
    return TopicNames.isShared(filter)
        ? TopicNames.shareGroup(filter) + '\u0000' + clientId
        : clientId;
  }

  private static String clientIdOf(String trieKey) {
    int nul = trieKey.indexOf('\u0000');
    return nul < 0 ? trieKey : trieKey.substring(nul + 1);
  }

  /**
   * Adds or replaces {@code session}'s subscription (MQTT §3.8.4).
   *
   * @return whether the session already had a subscription to the same filter
   */
  public boolean subscribe(Session session, Subscription subscription) {
    SubscriptionTrie<Subscription> trie =
        tries.computeIfAbsent(session.tenant(), t -> new SubscriptionTrie<>());
    String filter = subscription.filter();
    if (trie.put(TopicNames.innerFilter(filter), trieKey(session.clientId(), filter), subscription)
        == null) {
      countFilter(session.tenant(), filter, 1);
    }
    if (TopicNames.isShared(filter)) {
      groupMembers
          .computeIfAbsent(session.tenant() + '\u0000' + filter, k -> new java.util.TreeSet<>())
          .add(session.clientId());
    }
    return session.subscriptions().put(filter, subscription) != null;
  }

  /** Removes {@code session}'s subscription to {@code filter}; returns whether it existed. */
  public boolean unsubscribe(Session session, String filter) {
    Subscription removed = session.subscriptions().remove(filter);
    SubscriptionTrie<Subscription> trie = tries.get(session.tenant());
    if (trie != null
        && trie.remove(TopicNames.innerFilter(filter), trieKey(session.clientId(), filter))
            != null) {
      countFilter(session.tenant(), filter, -1);
    }
    if (TopicNames.isShared(filter)) {
      String key = session.tenant() + '\u0000' + filter;
      java.util.Set<String> members = groupMembers.get(key);
      if (members != null && members.remove(session.clientId()) && members.isEmpty()) {
        groupMembers.remove(key);
      }
    }
    return removed != null;
  }

  /** Removes all of {@code session}'s subscriptions from the routing tables. */
  public void unsubscribeAll(Session session) {
    for (String filter : List.copyOf(session.subscriptions().keySet())) {
      unsubscribe(session, filter);
    }
  }

  /** Retained messages for a new subscription to {@code filter} (never for shared, 5.0 §4.8.2). */
  public List<Message> retainedFor(String tenant, String filter) {
    if (TopicNames.isShared(filter)) {
      return List.of();
    }
    return retained.matching(tenant, filter);
  }

  /**
   * Hands the unacknowledged deliveries of a session that left to other members of the share groups
   * they came through (MQTT 5.0 §4.8.2). Call after the leaving session unsubscribed.
   *
   * @return the number of deliveries handed on; the rest had no other member and are dropped
   */
  public int redeliverShared(String tenant, java.util.Collection<Delivery> orphans) {
    int handed = 0;
    for (Delivery d : orphans) {
      if (d.sharedFilter() == null || d.qos() == 0) {
        continue;
      }
      java.util.Set<String> members = groupMembers.get(tenant + '\u0000' + d.sharedFilter());
      if (members == null || members.isEmpty()) {
        continue;
      }
      List<String> candidates = new ArrayList<>(members);
      int cursor = shareCursor.merge(d.sharedFilter(), 1, Integer::sum);
      Session next = sessions.find(tenant, pickConnected(tenant, candidates, cursor));
      Subscription sub = next == null ? null : next.subscriptions().get(d.sharedFilter());
      if (sub == null) {
        continue;
      }
      List<Integer> ids = sub.subscriptionId() > 0 ? List.of(sub.subscriptionId()) : List.of();
      next.deliver(
          new Delivery(
              d.message(), Math.min(d.message().qos(), sub.qos()), false, ids, d.sharedFilter()));
      handed++;
    }
    return handed;
  }

  private static final class Target {
    int qos = -1;
    boolean retainAsPublished;
    String sharedFilter;
    boolean plain;
    final List<Integer> subscriptionIds = new ArrayList<>(1);
  }

  /**
   * Stores a retained message, then delivers {@code message} to every matching session of its
   * tenant: once per session with the highest granted QoS and all subscription identifiers of the
   * matching subscriptions (MQTT 5.0 §3.3.4), to one member of each shared group.
   *
   * @return the number of sessions it was handed to
   */
  public int publish(Message message) {
    return route(message).receivers();
  }

  /**
   * What {@link #route} did: the number of sessions the message was handed to, and a future of the
   * durable writes it caused — the retained store's, persistent sessions' — or {@code null} when it
   * caused none.
   */
  public record Routed(int receivers, Future<Void> stored) {}

  /** As {@link #publish}, also telling when a retained message is durable. */
  public Routed route(Message message) {
    List<Future<Void>> writes = new ArrayList<>(0);
    if (message.retain()) {
      if (message.payload().length() > 0
          && retained.size() >= maxRetained
          && !retained.has(message.tenant(), message.topic())) {
        retainedRefused++; // still routed live; just not kept
      } else {
        writes.add(retained.put(message));
      }
    }
    int receivers;
    if (peers == null) {
      receivers = deliver(message, writes, null);
    } else {
      Peers.Plan plan = peers.forward(message, writes);
      Set<String> elsewhere = plan.sharedServedElsewhere();
      receivers = deliver(message, writes, f -> !elsewhere.contains(f)) + plan.remoteNodes();
    }
    return routed(receivers, writes);
  }

  /**
   * Delivers a message another node forwarded to this node's sessions only: not retained again, not
   * forwarded again.
   *
   * @param sharedFilters the shared filters this node serves for this message
   */
  public Routed deliverForwarded(Message message, Set<String> sharedFilters) {
    List<Future<Void>> writes = new ArrayList<>(0);
    return routed(deliver(message, writes, sharedFilters::contains), writes);
  }

  private static Routed routed(int receivers, List<Future<Void>> writes) {
    Future<Void> stored =
        writes.isEmpty()
            ? null
            : writes.size() == 1 ? writes.get(0) : Future.all(writes).<Void>mapEmpty();
    return new Routed(receivers, stored);
  }

  private int deliver(Message message, List<Future<Void>> writes, Predicate<String> serveShared) {
    SubscriptionTrie<Subscription> trie = tries.get(message.tenant());
    if (trie == null) {
      return 0;
    }
    Map<String, Target> targets = new LinkedHashMap<>();
    Map<String, List<String>> groups = new LinkedHashMap<>();
    Map<String, Subscription> groupSubs = new HashMap<>();
    trie.match(
        message.topic(),
        (key, sub) -> {
          String clientId = clientIdOf(key);
          if (sub.noLocal() && clientId.equals(message.publisherId())) {
            return; // MQTT 5.0 §3.8.3.1: no-local
          }
          if (TopicNames.isShared(sub.filter())) {
            if (serveShared != null && !serveShared.test(sub.filter())) {
              return; // another node serves this share group for this message
            }
            groups.computeIfAbsent(sub.filter(), f -> new ArrayList<>()).add(clientId);
            groupSubs.put(sub.filter() + '\u0000' + clientId, sub);
            return;
          }
          addTarget(targets, clientId, sub).plain = true;
        });
    for (Map.Entry<String, List<String>> group : groups.entrySet()) {
      List<String> members = group.getValue();
      members.sort(null);
      int cursor = shareCursor.merge(group.getKey(), 1, Integer::sum);
      String chosen = pickConnected(message.tenant(), members, cursor);
      Target t = addTarget(targets, chosen, groupSubs.get(group.getKey() + '\u0000' + chosen));
      if (!t.plain) {
        t.sharedFilter = group.getKey();
      }
    }
    int count = 0;
    for (Map.Entry<String, Target> e : targets.entrySet()) {
      Session session = sessions.find(message.tenant(), e.getKey());
      if (session == null) {
        continue;
      }
      Target t = e.getValue();
      int qos = Math.min(message.qos(), t.qos);
      // MQTT 3.1.1 §3.3.1.3 / 5.0 §3.8.3.1: RETAIN is cleared on live deliveries unless
      // retain-as-published
      boolean retain = message.retain() && t.retainAsPublished;
      Future<Void> stored =
          session.deliver(
              new Delivery(
                  message, qos, retain, t.subscriptionIds, t.plain ? null : t.sharedFilter));
      if (stored != null) {
        writes.add(stored);
      }
      count++;
    }
    return count;
  }

  /** Round-robin, preferring members that are connected (shared delivery to a live client). */
  private String pickConnected(String tenant, List<String> members, int cursor) {
    int n = members.size();
    for (int i = 0; i < n; i++) {
      String candidate = members.get(Math.floorMod(cursor + i, n));
      Session s = sessions.find(tenant, candidate);
      if (s != null && s.isConnected()) {
        return candidate;
      }
    }
    return members.get(Math.floorMod(cursor, n));
  }

  private static Target addTarget(Map<String, Target> targets, String clientId, Subscription sub) {
    Target t = targets.computeIfAbsent(clientId, c -> new Target());
    t.qos = Math.max(t.qos, sub.qos());
    t.retainAsPublished |= sub.retainAsPublished();
    if (sub.subscriptionId() > 0) {
      t.subscriptionIds.add(sub.subscriptionId());
    }
    return t;
  }

  /** The number of subscriptions in all tenants. */
  public int subscriptionCount() {
    int n = 0;
    for (SubscriptionTrie<Subscription> t : tries.values()) {
      n += t.size();
    }
    return n;
  }
}
