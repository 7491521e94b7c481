package io.busbar.security;

/** Why a token was refused. Carried as the failure of an authentication future. */
public final class AuthenticationException extends RuntimeException {

  /** The refusal reasons, each mapped to a protocol answer at the edge. */
  public enum Reason {
    /** No token at all (MQTT 3.1.1: 0x05 not authorized; 5.0: 0x87). */
    MISSING_TOKEN,
    /** Not a JWT, or claims of the wrong type (5.0: 0x86 bad user name or password). */
    MALFORMED,
    /** Signature, algorithm or key does not verify (5.0: 0x86). */
    BAD_SIGNATURE,
    /** {@code exp} is past (5.0: 0x86). */
    EXPIRED,
    /** {@code nbf} is in the future (5.0: 0x86). */
    NOT_YET_VALID,
    /** The MQTT user name names someone else than the token's {@code sub} (5.0: 0x86). */
    IDENTITY_MISMATCH,
    /** The {@code iss} names no configured issuer (5.0: 0x86). */
    UNTRUSTED_ISSUER,
    /** The {@code kid} names no key of the issuer, even after a JWKS refresh (5.0: 0x86). */
    UNKNOWN_KEY,
    /** The issuer's keys could not be fetched yet, so nothing can be verified (5.0: 0x88). */
    KEYS_UNAVAILABLE,
    /** The {@code aud} does not name this service (5.0: 0x86). */
    WRONG_AUDIENCE,
    /**
     * {@code exp - iat} is longer than the issuer allows, or {@code exp} is missing (5.0: 0x86).
     */
    LIFETIME_EXCEEDED,
    /** The tenant is not one the issuer may speak for (5.0: 0x87 not authorized). */
    TENANT_NOT_ALLOWED,
    /** The token's {@code jti} or its device is on the revocation list (5.0: 0x87). */
    REVOKED,
    /** Too many attempts or failures from this source; retry later (5.0: 0x9F). */
    THROTTLED,
    /**
     * The listener requires a client certificate naming a device and none was shown (5.0: 0x87).
     */
    CERTIFICATE_REQUIRED,
    /** The client certificate names another device than the token's {@code sub} (5.0: 0x87). */
    CERTIFICATE_MISMATCH
  }

  /**
   * A reason string safe to show the client: names the kind of refusal only, never the token's
   * content, the key ids or the configured issuers (the {@link #getMessage() message} may, and is
   * for logs and audit only).
   */
  public String publicMessage() {
    return switch (reason) {
      case MISSING_TOKEN -> "token required";
      case THROTTLED -> "too many attempts, retry later";
      case KEYS_UNAVAILABLE -> "authentication temporarily unavailable";
      case REVOKED, TENANT_NOT_ALLOWED, CERTIFICATE_MISMATCH -> "not authorized";
      case CERTIFICATE_REQUIRED -> "client certificate required";
      default -> "invalid token";
    };
  }

  private final Reason reason;

  public AuthenticationException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
