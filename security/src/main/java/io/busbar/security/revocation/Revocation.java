package io.busbar.security.revocation;

import io.busbar.security.Principal;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * One entry of the {@link RevocationList}: a token id or a device that is no longer trusted.
 *
 * @param kind what {@code value} names
 * @param tenant the device's tenant ({@link Kind#DEVICE}); {@code null} for a token
 * @param value the {@code jti} or the device id
 * @param untilEpochMillis when the entry may be forgotten: a token's own {@code exp} (after it the
 *     token is refused as expired anyway); {@code Long.MAX_VALUE} for a device
 */
public record Revocation(Kind kind, String tenant, String value, long untilEpochMillis) {

  /** What a revocation names. */
  public enum Kind {
    /** One token, by its {@code jti}. */
    TOKEN,
    /** Every token of one device of one tenant (suspended or decommissioned). */
    DEVICE
  }

  public Revocation {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(value, "value");
    if (kind == Kind.DEVICE) {
      Objects.requireNonNull(tenant, "tenant");
    }
  }

  /** Whether this entry revokes {@code principal}. */
  public boolean matches(Principal principal) {
    return switch (kind) {
      case TOKEN -> value.equals(principal.tokenId());
      case DEVICE -> value.equals(principal.subject()) && tenant.equals(principal.tenant());
    };
  }

  /** {@code {"kind","tenant"?,"value","until"}}, for the event bus and storage. */
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("kind", kind.name())
            .put("value", value)
            .put("until", untilEpochMillis);
    if (tenant != null) {
      json.put("tenant", tenant);
    }
    return json;
  }

  /**
   * Reads {@link #toJson()}.
   *
   * @throws IllegalArgumentException when a member is missing or of the wrong type
   */
  public static Revocation fromJson(JsonObject json) {
    try {
      return new Revocation(
          Kind.valueOf(json.getString("kind")),
          json.getString("tenant"),
          json.getString("value"),
          json.getLong("until", Long.MAX_VALUE));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad revocation " + json.encode(), e);
    }
  }
}
