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
    IDENTITY_MISMATCH
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
