package io.busbar.security;

import java.util.Objects;
import java.util.Set;

/**
 * Who is on the other end of a connection or request, as proven by a token.
 *
 * @param subject the token's {@code sub}: a device id, or an application's name
 * @param tenant the token's {@code tenant} claim ({@code default} when absent)
 * @param roles the token's {@code roles} claim; empty for a device
 * @param expiresAt the token's {@code exp} in epoch milliseconds, or {@code Long.MAX_VALUE}
 * @param tokenId the token's {@code jti}, or {@code null}
 */
public record Principal(
    String subject, String tenant, Set<String> roles, long expiresAt, String tokenId) {

  public static final String DEFAULT_TENANT = "default";

  /** Role of backend applications: may subscribe and publish anywhere inside their tenant. */
  public static final String ROLE_APP = "app";

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(tenant, "tenant");
    roles = Set.copyOf(roles);
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }
}
