package io.busbar.security.acl;

import io.busbar.security.Principal;

/**
 * What a principal may publish and subscribe to. The default rules of the design:
 *
 * <ul>
 *   <li>a device (no roles) publishes only under {@code devices/{sub}/…} and subscribes only under
 *       {@code devices/{sub}/commands/…};
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
    return levels.length >= 4
        && "devices".equals(levels[0])
        && principal.subject().equals(levels[1])
        && "commands".equals(levels[2]);
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
