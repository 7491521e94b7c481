package io.busbar.security.jwt;

import io.busbar.security.Principal;
import io.busbar.security.acl.TopicAcl;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * What to put in a token minted by {@link DevelopmentIssuer#mint(TokenRequest)}.
 *
 * @param subject the {@code sub} claim: a device id or an application's name; not blank, and usable
 *     as one MQTT topic level (no {@code /}, {@code +}, {@code #})
 * @param tenant the {@code tenant} claim; {@code null} means {@link Principal#DEFAULT_TENANT}
 * @param roles the {@code roles} claim ({@code null} means none); a device has none, an application
 *     has {@link Principal#ROLE_APP}
 * @param ttl how long the token is valid from now; between {@link #MIN_TTL} and {@link #MAX_TTL}
 */
public record TokenRequest(String subject, String tenant, Set<String> roles, Duration ttl) {

  /** Shortest lifetime: {@code exp} is in whole seconds (RFC 7519 §2 NumericDate). */
  public static final Duration MIN_TTL = Duration.ofSeconds(1);

  /** Longest lifetime a development token may have. */
  public static final Duration MAX_TTL = Duration.ofDays(366);

  public TokenRequest {
    Objects.requireNonNull(subject, "subject");
    if (subject.isBlank() || !TopicAcl.isTopicLevel(subject)) {
      throw new IllegalArgumentException(
          "token subject '" + subject + "' must be one topic level: not blank, no / + # or NUL");
    }
    tenant = tenant == null ? Principal.DEFAULT_TENANT : tenant;
    if (tenant.isBlank()) {
      throw new IllegalArgumentException("token tenant is blank");
    }
    roles = roles == null ? Set.of() : Set.copyOf(roles);
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException(
          "token ttl " + ttl + " is out of range [" + MIN_TTL + ", " + MAX_TTL + "]");
    }
  }

  /** A device token: {@code sub} = the device id, no roles. */
  public static TokenRequest device(String deviceId, String tenant, Duration ttl) {
    return new TokenRequest(deviceId, tenant, Set.of(), ttl);
  }

  /** An application token: roles = {@code [app]}. */
  public static TokenRequest application(String name, String tenant, Duration ttl) {
    return new TokenRequest(name, tenant, Set.of(Principal.ROLE_APP), ttl);
  }

  /**
   * The claims of a token minted at {@code issuedAt} (epoch seconds), the same for every signer:
   * {@code sub}, {@code tenant}, {@code iat}, {@code exp} = {@code iat + ttl}, a random {@code
   * jti}, {@code roles} (left out when empty). The signer adds {@code iss}.
   */
  JsonObject claims(long issuedAt) {
    JsonObject claims =
        new JsonObject()
            .put("sub", subject)
            .put("tenant", tenant)
            .put("iat", issuedAt)
            .put("exp", issuedAt + ttl.toSeconds())
            .put("jti", UUID.randomUUID().toString());
    if (!roles.isEmpty()) {
      claims.put("roles", new JsonArray(roles.stream().sorted().toList()));
    }
    return claims;
  }
}
