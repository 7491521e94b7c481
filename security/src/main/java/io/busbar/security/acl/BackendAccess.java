package io.busbar.security.acl;

import io.busbar.security.Principal;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a backend principal may do something: its roles' permissions, where roles that
 * need multi-factor authentication count only when the token proves it ({@code amr} RFC 8176, or
 * {@code acr}). MFA itself belongs to the identity provider; Busbar only reads the claims.
 *
 * <p>Pure and thread-safe.
 */
public final class BackendAccess {

  /** The outcome of {@link #decide}. */
  public enum Decision {
    ALLOWED,
    /** No role of the principal grants the permission. */
    FORBIDDEN,
    /** A role would grant it, but that role needs MFA the token does not show (RFC 9470). */
    MFA_REQUIRED
  }

  /**
   * Which roles need MFA and which claims prove it.
   *
   * @param roles the roles that count only with MFA
   * @param acceptedAmr {@code amr} values that prove MFA (e.g. {@code mfa}, {@code hwk}, {@code
   *     otp})
   * @param acceptedAcr {@code acr} values that prove MFA (provider-specific)
   */
  public record MfaPolicy(
      Set<BackendRole> roles, Set<String> acceptedAmr, Set<String> acceptedAcr) {

    public MfaPolicy {
      roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
      acceptedAmr = Set.copyOf(acceptedAmr);
      acceptedAcr = Set.copyOf(acceptedAcr);
      if (!roles.isEmpty() && acceptedAmr.isEmpty() && acceptedAcr.isEmpty()) {
        throw new IllegalArgumentException("MFA required but no amr or acr value proves it");
      }
    }

    /** No MFA required. */
    public static MfaPolicy none() {
      return new MfaPolicy(Set.of(), Set.of(), Set.of());
    }

    /**
     * MFA required for {@code admin}, proved by {@code amr} {@code mfa}, {@code hwk} or {@code
     * otp}.
     */
    public static MfaPolicy forAdmins() {
      return new MfaPolicy(Set.of(BackendRole.ADMIN), Set.of("mfa", "hwk", "otp"), Set.of());
    }

    /** Whether {@code principal}'s token shows multi-factor authentication. */
    public boolean satisfiedBy(Principal principal) {
      for (String method : principal.authMethods()) {
        if (acceptedAmr.contains(method)) {
          return true;
        }
      }
      String acr = principal.attribute(Principal.ACR);
      return acr != null && acceptedAcr.contains(acr);
    }
  }

  private final MfaPolicy mfa;

  public BackendAccess(MfaPolicy mfa) {
    this.mfa = Objects.requireNonNull(mfa, "mfa");
  }

  /** Whether {@code principal} may do what {@code permission} covers. */
  public Decision decide(Principal principal, Permission permission) {
    boolean mfaShown = mfa.satisfiedBy(principal);
    boolean grantedWithoutMfa = false;
    for (String name : principal.roles()) {
      BackendRole role = BackendRole.byName(name).orElse(null);
      if (role == null || !role.permissions().contains(permission)) {
        continue;
      }
      if (!mfa.roles().contains(role) || mfaShown) {
        return Decision.ALLOWED;
      }
      grantedWithoutMfa = true;
    }
    return grantedWithoutMfa ? Decision.MFA_REQUIRED : Decision.FORBIDDEN;
  }

  /**
   * Whether {@code principal} may write readings for {@code deviceId} of its own tenant: a device
   * (a principal without roles, identified by token {@code sub} or client certificate) only for
   * itself, whatever its roles say; anyone else as {@link #decide} rules for {@link
   * Permission#INGEST}. The tenant is always the principal's, so no principal writes into another
   * tenant.
   */
  public Decision decideIngest(Principal principal, String deviceId) {
    if (principal.roles().isEmpty() && !principal.anonymous()) {
      return principal.subject().equals(deviceId) ? Decision.ALLOWED : Decision.FORBIDDEN;
    }
    return decide(principal, Permission.INGEST);
  }

  /** {@code POST /api/v1/devices/{id}/commands/{name}}: a command sent to a device. */
  private static final java.util.regex.Pattern COMMAND_PATH =
      java.util.regex.Pattern.compile("/api/v1/devices/[^/]+/commands/[^/]+/?");

  /** {@code POST /api/v1/devices/{id}/telemetry}: readings written by or for a device. */
  private static final java.util.regex.Pattern INGEST_PATH =
      java.util.regex.Pattern.compile("/api/v1/devices/([^/]+)/telemetry/?");

  /**
   * The permission an HTTP request needs: {@code GET}/{@code HEAD} under {@code /api/v1/} and
   * {@code /ws} read; {@code POST /api/v1/devices/{id}/telemetry} ingests (see {@link
   * #decideIngest}); {@code /api/v1/commands…} commands; {@code /api/v1/admin…} administers; any
   * other change configures.
   */
  public static Permission forRequest(String method, String path) {
    if (path.startsWith("/api/v1/admin") || path.startsWith("/api/v1/audit")) {
      return Permission.ADMINISTER; // the audit trail shows who was refused and why
    }
    if ("GET".equals(method) || "HEAD".equals(method)) {
      return Permission.READ;
    }
    if ("POST".equals(method) && INGEST_PATH.matcher(path).matches()) {
      return Permission.INGEST;
    }
    if (path.startsWith("/api/v1/commands") || COMMAND_PATH.matcher(path).matches()) {
      return Permission.COMMAND;
    }
    return Permission.CONFIGURE;
  }

  /**
   * The device an ingest request ({@link Permission#INGEST}) writes for, from its path as {@link
   * #forRequest} saw it; {@code null} for any other path.
   */
  public static String ingestDevice(String path) {
    java.util.regex.Matcher m = INGEST_PATH.matcher(path);
    return m.matches() ? m.group(1) : null;
  }
}
