package io.busbar.security.audit;

import io.busbar.security.Principal;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * One security decision, for the audit trail: who ({@code tenant}, {@code subject}, {@code
 * source}), what ({@code action} on {@code resource}), the {@code decision} and why ({@code
 * reason}). Published as JSON on {@code Addresses.AUDIT} ({@code busbar.audit}).
 *
 * @param time when it was decided
 * @param tenant the tenant, or {@code null} when nobody was identified
 * @param subject the device id or user, or {@code null} when nobody was identified
 * @param action what was attempted
 * @param resource the topic, path or address concerned, or {@code null}
 * @param decision allowed or denied
 * @param reason a machine-readable cause (an {@code AuthenticationException.Reason} name, {@code
 *     ACL}, {@code ROLE}, {@code MFA_REQUIRED}…), or {@code null} when allowed
 * @param source the remote address, or {@code null}
 */
public record AuditEvent(
    Instant time,
    String tenant,
    String subject,
    Action action,
    String resource,
    Decision decision,
    String reason,
    String source) {

  /** What was attempted. */
  public enum Action {
    /** An MQTT CONNECT (or re-authentication). */
    CONNECT,
    /** A PUBLISH refused by the ACL or a rate limit. */
    PUBLISH_DENIED,
    /** A SUBSCRIBE refused by the ACL. */
    SUBSCRIBE_DENIED,
    /** A live connection closed because its token or device was revoked. */
    REVOKED_DISCONNECT,
    /** A live connection closed because its token expired without re-authentication. */
    EXPIRED_DISCONNECT,
    /** An HTTP request or WebSocket refused (401/403). */
    HTTP_DENIED,
    /** An event-bus bridge address refused. */
    BRIDGE_DENIED,
    /** A token or device was revoked by an operator. */
    REVOCATION
  }

  /** The outcome. */
  public enum Decision {
    ALLOW,
    DENY
  }

  public AuditEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(decision, "decision");
  }

  /** A denial concerning {@code principal} (may be {@code null} when nobody was identified). */
  public static AuditEvent denied(
      Instant time,
      Principal principal,
      Action action,
      String resource,
      String reason,
      String source) {
    return new AuditEvent(
        time,
        principal == null ? null : principal.tenant(),
        principal == null ? null : principal.subject(),
        action,
        resource,
        Decision.DENY,
        reason,
        source);
  }

  /** A grant to {@code principal}. */
  public static AuditEvent allowed(
      Instant time, Principal principal, Action action, String resource, String source) {
    return new AuditEvent(
        time,
        principal.tenant(),
        principal.subject(),
        action,
        resource,
        Decision.ALLOW,
        null,
        source);
  }

  /**
   * {@code {"time": epoch ms, "tenant"?, "subject"?, "action", "resource"?, "decision", "reason"?,
   * "source"?}}; absent members are left out.
   */
  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("time", time.toEpochMilli())
            .put("action", action.name())
            .put("decision", decision.name());
    putIfPresent(json, "tenant", tenant);
    putIfPresent(json, "subject", subject);
    putIfPresent(json, "resource", resource);
    putIfPresent(json, "reason", reason);
    putIfPresent(json, "source", source);
    return json;
  }

  /**
   * Reads {@link #toJson()}.
   *
   * @throws IllegalArgumentException naming the bad member
   */
  public static AuditEvent fromJson(JsonObject json) {
    try {
      return new AuditEvent(
          Instant.ofEpochMilli(json.getLong("time")),
          json.getString("tenant"),
          json.getString("subject"),
          Action.valueOf(json.getString("action")),
          json.getString("resource"),
          Decision.valueOf(json.getString("decision")),
          json.getString("reason"),
          json.getString("source"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad audit event " + json.encode(), e);
    }
  }

  private static void putIfPresent(JsonObject json, String name, String value) {
    if (value != null) {
      json.put(name, value);
    }
  }
}
