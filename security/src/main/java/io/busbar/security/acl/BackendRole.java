package io.busbar.security.acl;

import io.busbar.security.Principal;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The roles of backend users and applications, read from the token's roles claim (names are
 * case-insensitive), each with its permissions. Each role includes the ones before it.
 */
public enum BackendRole {
  /** Looks: dashboards, state, history. */
  VIEWER(EnumSet.of(Permission.READ)),
  /** Runs the plant: also sends commands and writes readings for devices. */
  OPERATOR(EnumSet.of(Permission.READ, Permission.COMMAND, Permission.INGEST)),
  /** Engineers it: also changes configuration. */
  ENGINEER(
      EnumSet.of(Permission.READ, Permission.COMMAND, Permission.INGEST, Permission.CONFIGURE)),
  /** Administers Busbar itself. */
  ADMIN(EnumSet.allOf(Permission.class));

  private final Set<Permission> permissions;

  BackendRole(Set<Permission> permissions) {
    this.permissions = Set.copyOf(permissions);
  }

  public Set<Permission> permissions() {
    return permissions;
  }

  /**
   * The role named {@code name} ({@code viewer}, {@code operator}, {@code engineer}, {@code
   * admin}); the skeleton's application role {@link Principal#ROLE_APP} counts as {@link
   * #OPERATOR}. Empty for any other name.
   */
  public static Optional<BackendRole> byName(String name) {
    if (name == null) {
      return Optional.empty();
    }
    if (Principal.ROLE_APP.equals(name)) {
      return Optional.of(OPERATOR);
    }
    for (BackendRole role : values()) {
      if (role.name().equals(name.toUpperCase(Locale.ROOT))) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
