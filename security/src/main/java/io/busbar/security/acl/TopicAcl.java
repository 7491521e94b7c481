package io.busbar.security.acl;

import io.busbar.security.Principal;

/**
 * What a principal may publish and subscribe to. The default rules of the design:
 *
 * <ul>
 *   <li>a device (no roles) publishes only under {@code devices/{sub}/…} and subscribes only under
 *       {@code devices/{sub}/commands/…};
 *   <li>a Sparkplug B edge node — {@code sub} {@code {group}:{edge}}, or the claims {@code
 *       sparkplug_group} and {@code sparkplug_edge_node} — publishes its own births, deaths and
 *       data ({@code spBv1.0/{group}/N|DBIRTH|DEATH|DATA/{edge}[/{device}]}), subscribes to its own
 *       commands ({@code spBv1.0/{group}/NCMD|DCMD/{edge}[/…]}) and to host application state
 *       ({@code spBv1.0/STATE/…}) (Sparkplug 3.0 §4.1, §7);
 *   <li>an application ({@code roles} contains {@code app}) publishes and subscribes anywhere; the
 *       broker keeps tenants apart, so "anywhere" means inside its own tenant.
 * </ul>
 *
 * A device whose id could not stand as one topic level (empty, or holding {@code /}, {@code +} or
 * {@code #}) may do nothing: with id {@code +} the rule "under {@code devices/{sub}/}" would read
 * as a wildcard over every device (MQTT 5.0 §4.7.1).
 *
 * <p>Pure and thread-safe.
 */
public final class TopicAcl {

  private static final TopicAcl DEFAULTS = new TopicAcl();
  private static final String SPARKPLUG = "spBv1.0";
  private static final java.util.Set<String> EDGE_PUBLISHES =
      java.util.Set.of("NBIRTH", "NDEATH", "NDATA", "DBIRTH", "DDEATH", "DDATA");

  private TopicAcl() {}

  public static TopicAcl defaults() {
    return DEFAULTS;
  }

  /** Whether {@code principal} may publish to the topic name {@code topic} (no wildcards). */
  public boolean mayPublish(Principal principal, String topic) {
    if (principal.hasRole(Principal.ROLE_APP)) {
      return true;
    }
    if (!isTopicLevel(principal.subject())) {
      return false;
    }
    String[] levels = topic.split("/", -1);
    if (SPARKPLUG.equals(levels[0])) {
      String[] edge = sparkplugEdge(principal);
      return edge != null
          && (levels.length == 4 || levels.length == 5)
          && edge[0].equals(levels[1])
          && EDGE_PUBLISHES.contains(levels[2])
          && edge[1].equals(levels[3]);
    }
    return levels.length >= 3
        && "devices".equals(levels[0])
        && principal.subject().equals(levels[1]);
  }

  /** Whether {@code principal} may subscribe to the topic filter {@code filter}. */
  public boolean maySubscribe(Principal principal, String filter) {
    if (principal.hasRole(Principal.ROLE_APP)) {
      return true;
    }
    if (!isTopicLevel(principal.subject())) {
      return false;
    }
    String[] levels = filter.split("/", -1);
    if (SPARKPLUG.equals(levels[0])) {
      String[] edge = sparkplugEdge(principal);
      if (edge == null || levels.length < 2) {
        return false;
      }
      if ("STATE".equals(levels[1])) {
        return true; // host application state is public to edge nodes (Sparkplug 3.0 §7.4)
      }
      return levels.length >= 4
          && edge[0].equals(levels[1])
          && ("NCMD".equals(levels[2]) || "DCMD".equals(levels[2]))
          && edge[1].equals(levels[3]);
    }
    return levels.length >= 4
        && "devices".equals(levels[0])
        && principal.subject().equals(levels[1])
        && "commands".equals(levels[2]);
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
    if (id.isEmpty()) {
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
