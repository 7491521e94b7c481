package io.busbar.security.acl;

import io.busbar.security.Principal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a principal may publish and subscribe to, as topic templates per kind of principal (config
 * section {@code acl}). A principal is of one or more kinds:
 *
 * <ul>
 *   <li>{@code app} — {@code roles} contains {@code app}; of no other kind;
 *   <li>{@code device} — every other principal (anonymous clients too);
 *   <li>{@code edge-node} — a Sparkplug B edge node: {@code sub} {@code {group}:{edge}}, or the
 *       claims {@code sparkplug_group} and {@code sparkplug_edge_node};
 *   <li>{@code anonymous} — a client let in without a token ({@code mqtt.allow-anonymous}).
 * </ul>
 *
 * A topic (or filter) is allowed when a template of one of its kinds allows it and no {@code deny-}
 * template of its kinds matches. Templates are topic levels with {@code +} (one level; in a
 * subscription, not a {@code #}), a final {@code #} (one or more levels, whatever they hold) and
 * the placeholders {@code {sub}}, {@code {tenant}}, {@code {sparkplug_group}}, {@code
 * {sparkplug_edge_node}}; a template whose placeholder the principal lacks allows nothing. The
 * broker keeps tenants apart, so {@code #} means "inside its own tenant". The defaults ({@link
 * #defaults()}) are the design's rules:
 *
 * <ul>
 *   <li>a device publishes under {@code devices/{sub}/…} and subscribes under {@code
 *       devices/{sub}/commands/…};
 *   <li>an edge node publishes its own births, deaths and data ({@code
 *       spBv1.0/{group}/N|DBIRTH|DEATH|DATA/{edge}[/{device}]}), subscribes to its own commands
 *       ({@code spBv1.0/{group}/NCMD|DCMD/{edge}[/…]}) and to host application state ({@code
 *       spBv1.0/STATE/…}) (Sparkplug 3.0 §4.1, §7);
 *   <li>an application publishes and subscribes anywhere.
 * </ul>
 *
 * A non-app principal whose id could not stand as one topic level (empty, or holding {@code /},
 * {@code +} or {@code #}) may do nothing, whatever the templates: with id {@code +} the rule "under
 * {@code devices/{sub}/}" would read as a wildcard over every device (MQTT 5.0 §4.7.1); placeholder
 * values are held to the same test.
 *
 * <p>Pure and thread-safe (immutable once built).
 */
public final class TopicAcl {

  /** The kinds of principal rules are given for; {@link #key()} is the config key. */
  public enum Kind {
    DEVICE("device"),
    EDGE_NODE("edge-node"),
    APP("app"),
    ANONYMOUS("anonymous");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  /**
   * The templates of one kind.
   *
   * @param publish topics it may publish to
   * @param subscribe filters it may subscribe to
   * @param denyPublish topics it may not publish to even when allowed
   * @param denySubscribe filters it may not subscribe to even when allowed
   */
  public record Rules(
      List<String> publish,
      List<String> subscribe,
      List<String> denyPublish,
      List<String> denySubscribe) {

    public Rules {
      publish = List.copyOf(publish);
      subscribe = List.copyOf(subscribe);
      denyPublish = List.copyOf(denyPublish);
      denySubscribe = List.copyOf(denySubscribe);
    }

    /** Allow lists only. */
    public static Rules allow(List<String> publish, List<String> subscribe) {
      return new Rules(publish, subscribe, List.of(), List.of());
    }
  }

  /** The rules of the design, per kind (see the class comment). */
  public static final Map<Kind, Rules> DEFAULT_RULES =
      Map.of(
          Kind.DEVICE,
          Rules.allow(List.of("devices/{sub}/#"), List.of("devices/{sub}/commands/#")),
          Kind.EDGE_NODE,
          Rules.allow(
              List.of(
                  "spBv1.0/{sparkplug_group}/NBIRTH/{sparkplug_edge_node}",
                  "spBv1.0/{sparkplug_group}/NDEATH/{sparkplug_edge_node}",
                  "spBv1.0/{sparkplug_group}/NDATA/{sparkplug_edge_node}",
                  "spBv1.0/{sparkplug_group}/NBIRTH/{sparkplug_edge_node}/+",
                  "spBv1.0/{sparkplug_group}/NDEATH/{sparkplug_edge_node}/+",
                  "spBv1.0/{sparkplug_group}/NDATA/{sparkplug_edge_node}/+",
                  "spBv1.0/{sparkplug_group}/DBIRTH/{sparkplug_edge_node}",
                  "spBv1.0/{sparkplug_group}/DDEATH/{sparkplug_edge_node}",
                  "spBv1.0/{sparkplug_group}/DDATA/{sparkplug_edge_node}",
                  "spBv1.0/{sparkplug_group}/DBIRTH/{sparkplug_edge_node}/+",
                  "spBv1.0/{sparkplug_group}/DDEATH/{sparkplug_edge_node}/+",
                  "spBv1.0/{sparkplug_group}/DDATA/{sparkplug_edge_node}/+"),
              List.of(
                  "spBv1.0/STATE",
                  "spBv1.0/STATE/#",
                  "spBv1.0/{sparkplug_group}/NCMD/{sparkplug_edge_node}",
                  "spBv1.0/{sparkplug_group}/NCMD/{sparkplug_edge_node}/#",
                  "spBv1.0/{sparkplug_group}/DCMD/{sparkplug_edge_node}",
                  "spBv1.0/{sparkplug_group}/DCMD/{sparkplug_edge_node}/#")),
          Kind.APP,
          Rules.allow(List.of("#"), List.of("#")),
          Kind.ANONYMOUS,
          Rules.allow(List.of(), List.of()));

  private static final TopicAcl DEFAULTS = new TopicAcl(DEFAULT_RULES);

  /** Compiled templates per kind: allow publish, allow subscribe, deny publish, deny subscribe. */
  private final Map<Kind, List<List<Template>>> compiled = new EnumMap<>(Kind.class);

  private TopicAcl(Map<Kind, Rules> rules) {
    for (Kind kind : Kind.values()) {
      Rules r = rules.getOrDefault(kind, DEFAULT_RULES.get(kind));
      String prefix = "acl." + kind.key() + ".";
      compiled.put(
          kind,
          List.of(
              compile(prefix + "publish", r.publish()),
              compile(prefix + "subscribe", r.subscribe()),
              compile(prefix + "deny-publish", r.denyPublish()),
              compile(prefix + "deny-subscribe", r.denySubscribe())));
    }
  }

  /** The design's rules. */
  public static TopicAcl defaults() {
    return DEFAULTS;
  }

  /**
   * Rules per kind; a kind left out keeps its defaults.
   *
   * @throws IllegalArgumentException naming the key ({@code acl.device.publish[1]}) of a bad
   *     template
   */
  public static TopicAcl of(Map<Kind, Rules> rules) {
    return new TopicAcl(rules);
  }

  /**
   * Rules from the {@code acl} config section: per kind ({@code device}, {@code edge-node}, {@code
   * app}, {@code anonymous}) the lists {@code publish}, {@code subscribe}, {@code deny-publish},
   * {@code deny-subscribe}; a kind or list left out keeps its default.
   *
   * @throws IllegalArgumentException naming the key of an unknown kind or list, a list that is not
   *     a list of strings, or a bad template
   */
  public static TopicAcl fromConfig(Map<String, Object> section) {
    Map<Kind, Rules> rules = new EnumMap<>(Kind.class);
    for (Map.Entry<String, Object> e : section.entrySet()) {
      Kind kind = kindOf(e.getKey());
      if (!(e.getValue() instanceof Map<?, ?> lists)) {
        throw new IllegalArgumentException(
            "acl." + e.getKey() + ": expected publish, subscribe, deny-publish, deny-subscribe");
      }
      Rules d = DEFAULT_RULES.get(kind);
      List<String> publish = d.publish();
      List<String> subscribe = d.subscribe();
      List<String> denyPublish = d.denyPublish();
      List<String> denySubscribe = d.denySubscribe();
      for (Map.Entry<?, ?> l : lists.entrySet()) {
        String key = "acl." + kind.key() + "." + l.getKey();
        List<String> templates = strings(key, l.getValue());
        switch (String.valueOf(l.getKey())) {
          case "publish" -> publish = templates;
          case "subscribe" -> subscribe = templates;
          case "deny-publish" -> denyPublish = templates;
          case "deny-subscribe" -> denySubscribe = templates;
          default ->
              throw new IllegalArgumentException(
                  key + ": unknown; expected publish, subscribe, deny-publish or deny-subscribe");
        }
      }
      rules.put(kind, new Rules(publish, subscribe, denyPublish, denySubscribe));
    }
    return new TopicAcl(rules);
  }

  /** Whether {@code principal} may publish to the topic name {@code topic} (no wildcards). */
  public boolean mayPublish(Principal principal, String topic) {
    return decide(principal, topic, 0, false);
  }

  /** Whether {@code principal} may subscribe to the topic filter {@code filter}. */
  public boolean maySubscribe(Principal principal, String filter) {
    return decide(principal, filter, 1, true);
  }

  private boolean decide(Principal principal, String topic, int list, boolean filter) {
    boolean app = principal.hasRole(Principal.ROLE_APP);
    if (!app && !isTopicLevel(principal.subject())) {
      return false;
    }
    String[] levels = topic.split("/", -1);
    Values values = new Values(principal);
    boolean allowed = false;
    for (Kind kind : Kind.values()) {
      if (!isOf(kind, principal, app, values)) {
        continue;
      }
      List<List<Template>> lists = compiled.get(kind);
      if (matchesAny(lists.get(list + 2), levels, values, filter)) {
        return false; // a denial of any of its kinds wins
      }
      allowed = allowed || matchesAny(lists.get(list), levels, values, filter);
    }
    return allowed;
  }

  private static boolean isOf(Kind kind, Principal principal, boolean app, Values values) {
    return switch (kind) {
      case APP -> app;
      case DEVICE -> !app;
      case EDGE_NODE -> !app && values.edge() != null;
      case ANONYMOUS -> !app && principal.anonymous();
    };
  }

  private static boolean matchesAny(
      List<Template> templates, String[] levels, Values values, boolean filter) {
    for (Template t : templates) {
      if (t.matches(levels, values, filter)) {
        return true;
      }
    }
    return false;
  }

  private static Kind kindOf(String key) {
    for (Kind k : Kind.values()) {
      if (k.key().equals(key)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "acl." + key + ": unknown kind; expected device, edge-node, app or anonymous");
  }

  private static List<String> strings(String key, Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException(key + ": expected a list of topic templates");
    }
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s)) {
        throw new IllegalArgumentException(key + ": " + o + " is not a string");
      }
      out.add(s);
    }
    return out;
  }

  private static List<Template> compile(String key, List<String> templates) {
    List<Template> out = new ArrayList<>();
    for (int i = 0; i < templates.size(); i++) {
      out.add(Template.compile(key + "[" + i + "]", templates.get(i)));
    }
    return List.copyOf(out);
  }

  /** The placeholder values of one principal, resolved once per decision. */
  private static final class Values {
    private final Principal principal;
    private String[] edge;
    private boolean edgeResolved;

    Values(Principal principal) {
      this.principal = principal;
    }

    String[] edge() {
      if (!edgeResolved) {
        edge = sparkplugEdge(principal);
        edgeResolved = true;
      }
      return edge;
    }

    /** The value of {@code placeholder}, or {@code null} when the principal has none usable. */
    String get(Placeholder placeholder) {
      String v =
          switch (placeholder) {
            case SUB -> principal.subject();
            case TENANT -> principal.tenant();
            case SPARKPLUG_GROUP -> edge() == null ? null : edge()[0];
            case SPARKPLUG_EDGE_NODE -> edge() == null ? null : edge()[1];
          };
      return v != null && isTopicLevel(v) ? v : null;
    }
  }

  private enum Placeholder {
    SUB("{sub}"),
    TENANT("{tenant}"),
    SPARKPLUG_GROUP("{sparkplug_group}"),
    SPARKPLUG_EDGE_NODE("{sparkplug_edge_node}");

    final String text;

    Placeholder(String text) {
      this.text = text;
    }
  }

  /**
   * One compiled template: its levels, each literal text with placeholders, {@code +} or {@code #}.
   */
  private record Template(List<Object> levels, boolean multi) {

    /** The {@code +} level (a sentinel, so no literal text can be taken for it). */
    private static final Object PLUS = new Object();

    static Template compile(String key, String template) {
      if (template == null || template.isEmpty()) {
        throw new IllegalArgumentException(key + ": empty topic template");
      }
      String[] parts = template.split("/", -1);
      List<Object> levels = new ArrayList<>();
      boolean multi = false;
      for (int i = 0; i < parts.length; i++) {
        String p = parts[i];
        if (p.equals("#")) {
          if (i != parts.length - 1) {
            throw new IllegalArgumentException(
                key + ": '" + template + "': # must be the last level");
          }
          multi = true;
        } else if (p.equals("+")) {
          levels.add(PLUS);
        } else if (p.contains("#") || p.contains("+")) {
          throw new IllegalArgumentException(
              key + ": '" + template + "': + and # must stand alone in a level");
        } else {
          levels.add(literal(key, template, p));
        }
      }
      return new Template(List.copyOf(levels), multi);
    }

    /** A literal level: a String, or a List of Strings and Placeholders to concatenate. */
    private static Object literal(String key, String template, String level) {
      List<Object> pieces = new ArrayList<>();
      int i = 0;
      while (i < level.length()) {
        int open = level.indexOf('{', i);
        if (open < 0) {
          pieces.add(level.substring(i));
          break;
        }
        int close = level.indexOf('}', open);
        if (close < 0) {
          throw new IllegalArgumentException(key + ": '" + template + "': unclosed {");
        }
        if (open > i) {
          pieces.add(level.substring(i, open));
        }
        String name = level.substring(open, close + 1);
        Placeholder found = null;
        for (Placeholder p : Placeholder.values()) {
          if (p.text.equals(name)) {
            found = p;
          }
        }
        if (found == null) {
          throw new IllegalArgumentException(
              key
                  + ": '"
                  + template
                  + "': unknown placeholder "
                  + name
                  + "; known: {sub}, {tenant}, {sparkplug_group}, {sparkplug_edge_node}");
        }
        pieces.add(found);
        i = close + 1;
      }
      return pieces.size() == 1 && pieces.get(0) instanceof String s ? s : List.copyOf(pieces);
    }

    boolean matches(String[] topic, Values values, boolean filter) {
      if (multi ? topic.length <= levels.size() : topic.length != levels.size()) {
        return false; // a final # needs at least one level of its own
      }
      for (int i = 0; i < levels.size(); i++) {
        Object level = levels.get(i);
        if (level == PLUS) {
          if (filter && topic[i].equals("#")) {
            return false; // "+" grants one level, a "#" would reach every level below
          }
        } else if (level instanceof String s) {
          if (!s.equals(topic[i])) {
            return false;
          }
        } else if (!expand(level, values, topic[i])) {
          return false;
        }
      }
      return true;
    }

    private static boolean expand(Object level, Values values, String actual) {
      StringBuilder b = new StringBuilder();
      for (Object piece : (List<?>) level) {
        if (piece instanceof Placeholder p) {
          String v = values.get(p);
          if (v == null) {
            return false;
          }
          b.append(v);
        } else {
          b.append((String) piece);
        }
      }
      return b.toString().equals(actual);
    }
  }

  /**
   * The Sparkplug group and edge node a principal speaks for: from the {@code sparkplug_group} and
   * {@code sparkplug_edge_node} claims, else from a {@code sub} of the form {@code {group}:{edge}};
   * {@code null} when it is not an edge node.
   */
  private static String[] sparkplugEdge(Principal principal) {
    String group = principal.attribute(Principal.SPARKPLUG_GROUP);
    String edge = principal.attribute(Principal.SPARKPLUG_EDGE_NODE);
    if (group != null && edge != null) {
      return isTopicLevel(group) && isTopicLevel(edge) ? new String[] {group, edge} : null;
    }
    String sub = principal.subject();
    int colon = sub.indexOf(':');
    if (colon <= 0 || colon == sub.length() - 1 || sub.indexOf(':', colon + 1) >= 0) {
      return null;
    }
    return new String[] {sub.substring(0, colon), sub.substring(colon + 1)};
  }

  /** Whether {@code id} can stand as exactly one topic level, wildcard-free (MQTT 5.0 §4.7.1). */
  public static boolean isTopicLevel(String id) {
    if (id == null || id.isEmpty()) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c == '/' || c == '+' || c == '#' || c == 0) {
        return false;
      }
    }
    return true;
  }
}
