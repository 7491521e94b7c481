package io.busbar.verticles.mqtt.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SubscriptionTrieTest {

  private static Set<String> match(SubscriptionTrie<String> trie, String topic) {
    Set<String> found = new TreeSet<>();
    trie.match(topic, (key, value) -> found.add(key + "=" + value));
    return found;
  }

  /** Verifies that exact, '+' and '#' filters find their topics and nothing else. */
  @Test
  void matchesWildcards() {
    SubscriptionTrie<String> trie = new SubscriptionTrie<>();
    trie.put("a/b", "c1", "exact");
    trie.put("a/+", "c2", "plus");
    trie.put("a/#", "c3", "hash");
    trie.put("#", "c4", "all");
    trie.put("+/b/#", "c5", "mixed");
    assertThat(match(trie, "a/b"))
        .containsExactly("c1=exact", "c2=plus", "c3=hash", "c4=all", "c5=mixed");
    assertThat(match(trie, "a")).containsExactly("c3=hash", "c4=all");
    assertThat(match(trie, "a/b/c")).containsExactly("c3=hash", "c4=all", "c5=mixed");
    assertThat(match(trie, "x/y")).containsExactly("c4=all");
  }

  /** Verifies that '$' topics are not matched by leading wildcards (§4.7.2). */
  @Test
  void systemTopicsNeedExplicitFirstLevel() {
    SubscriptionTrie<String> trie = new SubscriptionTrie<>();
    trie.put("#", "c1", "all");
    trie.put("+/broker", "c2", "plus");
    trie.put("$SYS/#", "c3", "sys");
    assertThat(match(trie, "$SYS/broker")).containsExactly("c3=sys");
  }

  /** Verifies that a second subscription to a filter replaces the first, and removal prunes. */
  @Test
  void replacesAndRemoves() {
    SubscriptionTrie<String> trie = new SubscriptionTrie<>();
    assertThat(trie.put("a/+", "c1", "q0")).isNull();
    assertThat(trie.put("a/+", "c1", "q1")).isEqualTo("q0");
    assertThat(trie.size()).isEqualTo(1);
    assertThat(match(trie, "a/x")).containsExactly("c1=q1");
    assertThat(trie.remove("a/+", "c1")).isEqualTo("q1");
    assertThat(trie.remove("a/+", "c1")).isNull();
    assertThat(trie.size()).isZero();
    assertThat(match(trie, "a/x")).isEmpty();
  }

  // ---- property-based: the trie agrees with a regex reference matcher on random inputs ----

  private static final String[] WORDS = {"a", "b", "c", "", "$SYS", "x y"};

  private static String randomTopic(Random r) {
    int levels = 1 + r.nextInt(4);
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < levels; i++) {
      parts.add(WORDS[r.nextInt(i == 0 ? WORDS.length : WORDS.length - 2)]);
    }
    String topic = String.join("/", parts);
    return topic.isEmpty() ? "a" : topic; // a topic has at least one character (§4.7.3)
  }

  private static String randomFilter(Random r) {
    int levels = 1 + r.nextInt(4);
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < levels; i++) {
      int pick = r.nextInt(10);
      if (pick < 2) {
        parts.add("+");
      } else if (pick == 2) {
        parts.add("#");
        break;
      } else {
        parts.add(WORDS[r.nextInt(WORDS.length)]);
      }
    }
    String filter = String.join("/", parts);
    return filter.isEmpty() ? "b" : filter;
  }

  /** The reference: a filter as a regular expression, with the '$' rule applied on top. */
  private static boolean referenceMatches(String filter, String topic) {
    if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
      return false;
    }
    StringBuilder regex = new StringBuilder();
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String level = levels[i];
      if (level.equals("#")) {
        // '#' also matches the parent level: "a/#" matches "a"
        if (i == 0) {
          return true;
        }
        regex.setLength(regex.length() - 1); // drop the '/' before '#'
        regex.append("(/.*)?");
        break;
      }
      regex.append(level.equals("+") ? "[^/]*" : java.util.regex.Pattern.quote(level));
      if (i < levels.length - 1) {
        regex.append("/");
      }
    }
    return topic.matches(regex.toString());
  }

  /**
   * Verifies, on random filters and topics, that the trie finds exactly the filters that the
   * regular-expression reference (and {@link TopicNames#matches}) says match.
   */
  @RepeatedTest(200)
  void agreesWithReferenceMatcher(RepetitionInfo info) {
    Random r = new Random(42L * info.getCurrentRepetition());
    SubscriptionTrie<String> trie = new SubscriptionTrie<>();
    List<String> filters = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String filter = randomFilter(r);
      assertThat(TopicNames.checkFilter(filter)).as(filter).isEmpty();
      filters.add(filter);
      trie.put(filter, "k" + i, filter);
    }
    for (int t = 0; t < 20; t++) {
      String topic = randomTopic(r);
      Set<String> expected = new TreeSet<>();
      for (int i = 0; i < filters.size(); i++) {
        boolean ref = referenceMatches(filters.get(i), topic);
        assertThat(TopicNames.matches(filters.get(i), topic))
            .as("filter %s topic %s", filters.get(i), topic)
            .isEqualTo(ref);
        if (ref) {
          expected.add("k" + i + "=" + filters.get(i));
        }
      }
      assertThat(match(trie, topic)).as("topic %s", topic).isEqualTo(expected);
    }
  }

  /**
   * Verifies, on random topics and filters, that the topic tree of retained messages finds exactly
   * the topic names the reference matcher says a filter matches, also after removals.
   */
  @RepeatedTest(100)
  void topicTreeAgreesWithReferenceMatcher(RepetitionInfo info) {
    Random r = new Random(7L * info.getCurrentRepetition());
    TopicTree<String> tree = new TopicTree<>();
    Set<String> topics = new TreeSet<>();
    for (int i = 0; i < 30; i++) {
      String topic = randomTopic(r);
      topics.add(topic);
      tree.put(topic, topic);
    }
    for (String gone : List.copyOf(topics).subList(0, topics.size() / 3)) {
      assertThat(tree.remove(gone)).isEqualTo(gone);
      topics.remove(gone);
    }
    assertThat(tree.size()).isEqualTo(topics.size());
    for (int f = 0; f < 20; f++) {
      String filter = randomFilter(r);
      Set<String> expected = new TreeSet<>();
      for (String t : topics) {
        if (referenceMatches(filter, t)) {
          expected.add(t);
        }
      }
      Set<String> found = new TreeSet<>();
      tree.match(filter, found::add);
      assertThat(found).as("filter %s", filter).isEqualTo(expected);
    }
  }
}
