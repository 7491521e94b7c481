package io.busbar.security;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who is on the other end of a connection or request, as proven by a token.
 *
 * @param subject the token's {@code sub}: a device id, or an application's or user's name
 * @param tenant the token's tenant (from the {@code tenant} claim or bound to its issuer; {@code
 *     default} when absent)
 * @param roles the token's roles claim; empty for a device
 * @param expiresAt the token's {@code exp} in epoch milliseconds, or {@code Long.MAX_VALUE}
 * @param tokenId the token's {@code jti}, or {@code null}
 * @param issuer the token's {@code iss}, or {@code null} when unknown
 * @param authMethods the token's {@code amr} claim (RFC 8176), e.g. {@code mfa}, {@code otp}; empty
 *     when absent
 * @param attributes further string claims kept for policy decisions: {@link #ACR}, {@link
 *     #SPARKPLUG_GROUP}, {@link #SPARKPLUG_EDGE_NODE}; never {@code null}
 */
public record Principal(
    String subject,
    String tenant,
    Set<String> roles,
    long expiresAt,
    String tokenId,
    String issuer,
    Set<String> authMethods,
    Map<String, String> attributes) {

  public static final String DEFAULT_TENANT = "default";

  /** Role of backend applications: may subscribe and publish anywhere inside their tenant. */
  public static final String ROLE_APP = "app";

  /** Attribute: the token's {@code acr} (authentication context class reference, OIDC Core §2). */
  public static final String ACR = "acr";

  /** Attribute: the device's Sparkplug group id (claim {@code sparkplug_group}). */
  public static final String SPARKPLUG_GROUP = "sparkplug_group";

  /** Attribute: the device's Sparkplug edge node id (claim {@code sparkplug_edge_node}). */
  public static final String SPARKPLUG_EDGE_NODE = "sparkplug_edge_node";

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(tenant, "tenant");
    roles = Set.copyOf(roles);
    authMethods = authMethods == null ? Set.of() : Set.copyOf(authMethods);
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** A principal without issuer, {@code amr} or attributes (the skeleton's five claims). */
  public Principal(
      String subject, String tenant, Set<String> roles, long expiresAt, String tokenId) {
    this(subject, tenant, roles, expiresAt, tokenId, null, Set.of(), Map.of());
  }

  /**
   * Attribute set (to {@code true}) on clients let in without a token ({@code
   * mqtt.allow-anonymous}); never taken from a token's claims.
   */
  public static final String ANONYMOUS = "anonymous";

  /** A client let in without a token: no roles, never expires, {@link #anonymous()} true. */
  public static Principal anonymous(String clientId, String tenant) {
    return new Principal(
        clientId,
        tenant,
        Set.of(),
        Long.MAX_VALUE,
        null,
        null,
        Set.of(),
        Map.of(ANONYMOUS, "true"));
  }

  /** Whether this is a client let in without a token. */
  public boolean anonymous() {
    return "true".equals(attributes.get(ANONYMOUS));
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  /** The attribute {@code name}, or {@code null}. */
  public String attribute(String name) {
    return attributes.get(name);
  }
}
