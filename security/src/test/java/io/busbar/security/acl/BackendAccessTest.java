package io.busbar.security.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.Principal;
import io.busbar.security.acl.BackendAccess.Decision;
import io.busbar.security.acl.BackendAccess.MfaPolicy;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class BackendAccessTest {

  private static Principal user(Set<String> roles, Set<String> amr, String acr) {
    return new Principal(
        "u",
        "acme",
        roles,
        Long.MAX_VALUE,
        null,
        "idp",
        amr,
        acr == null ? Map.of() : Map.of(Principal.ACR, acr));
  }

  /** Verifies the permissions of each role, case-insensitive, and app as operator. */
  @Test
  void rolesGrantTheirPermissions() {
    BackendAccess access = new BackendAccess(MfaPolicy.none());

    assertThat(access.decide(user(Set.of("viewer"), Set.of(), null), Permission.READ))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decide(user(Set.of("viewer"), Set.of(), null), Permission.COMMAND))
        .isEqualTo(Decision.FORBIDDEN);
    assertThat(access.decide(user(Set.of("Operator"), Set.of(), null), Permission.COMMAND))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decide(user(Set.of("engineer"), Set.of(), null), Permission.CONFIGURE))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decide(user(Set.of("engineer"), Set.of(), null), Permission.ADMINISTER))
        .isEqualTo(Decision.FORBIDDEN);
    assertThat(access.decide(user(Set.of("app"), Set.of(), null), Permission.COMMAND))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decide(user(Set.of("superuser"), Set.of(), null), Permission.READ))
        .isEqualTo(Decision.FORBIDDEN);
    assertThat(access.decide(user(Set.of(), Set.of(), null), Permission.READ))
        .isEqualTo(Decision.FORBIDDEN);
  }

  /** Verifies that admin needs MFA (amr or acr) while the lesser roles still work without it. */
  @Test
  void adminNeedsMfa() {
    BackendAccess access =
        new BackendAccess(new MfaPolicy(Set.of(BackendRole.ADMIN), Set.of("mfa"), Set.of("gold")));

    assertThat(access.decide(user(Set.of("admin"), Set.of("pwd"), null), Permission.ADMINISTER))
        .isEqualTo(Decision.MFA_REQUIRED);
    assertThat(
            access.decide(user(Set.of("admin"), Set.of("pwd", "mfa"), null), Permission.ADMINISTER))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decide(user(Set.of("admin"), Set.of(), "gold"), Permission.ADMINISTER))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decide(user(Set.of("admin", "viewer"), Set.of(), null), Permission.READ))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decide(user(Set.of("viewer"), Set.of(), null), Permission.ADMINISTER))
        .isEqualTo(Decision.FORBIDDEN);
    assertThatThrownBy(() -> new MfaPolicy(Set.of(BackendRole.ADMIN), Set.of(), Set.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Verifies the permission each kind of request needs. */
  @Test
  void requestsMapToPermissions() {
    assertThat(BackendAccess.forRequest("GET", "/api/v1/state")).isEqualTo(Permission.READ);
    assertThat(BackendAccess.forRequest("GET", "/ws")).isEqualTo(Permission.READ);
    assertThat(BackendAccess.forRequest("POST", "/api/v1/commands/d1"))
        .isEqualTo(Permission.COMMAND);
    assertThat(BackendAccess.forRequest("PUT", "/api/v1/decoders")).isEqualTo(Permission.CONFIGURE);
    assertThat(BackendAccess.forRequest("GET", "/api/v1/admin/audit"))
        .isEqualTo(Permission.ADMINISTER);
    assertThat(BackendAccess.forRequest("POST", "/api/v1/devices/press-1/commands/reset"))
        .isEqualTo(Permission.COMMAND);
    assertThat(BackendAccess.forRequest("GET", "/api/v1/audit")).isEqualTo(Permission.ADMINISTER);
    assertThat(BackendAccess.forRequest("POST", "/api/v1/devices/press-1/config"))
        .isEqualTo(Permission.CONFIGURE);
    assertThat(BackendAccess.forRequest("POST", "/api/v1/devices/press-1/telemetry"))
        .isEqualTo(Permission.INGEST);
    assertThat(BackendAccess.forRequest("GET", "/api/v1/devices/press-1/telemetry"))
        .isEqualTo(Permission.READ);
    assertThat(BackendAccess.ingestDevice("/api/v1/devices/press-1/telemetry"))
        .isEqualTo("press-1");
    assertThat(BackendAccess.ingestDevice("/api/v1/devices/press-1/commands/x")).isNull();
  }

  /**
   * Verifies that a device may write only its own readings, whatever the path says, and that of
   * backend principals operators and up (and apps) may write for any device of their tenant.
   */
  @Test
  void devicesIngestOnlyForThemselves() {
    BackendAccess access = new BackendAccess(MfaPolicy.none());
    Principal device = new Principal("press-1", "acme", Set.of(), Long.MAX_VALUE, null);

    assertThat(access.decideIngest(device, "press-1")).isEqualTo(Decision.ALLOWED);
    assertThat(access.decideIngest(device, "press-2")).isEqualTo(Decision.FORBIDDEN);
    assertThat(access.decideIngest(Principal.anonymous("press-1", "acme"), "press-1"))
        .isEqualTo(Decision.FORBIDDEN);
    assertThat(access.decideIngest(user(Set.of("app"), Set.of(), null), "press-2"))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decideIngest(user(Set.of("operator"), Set.of(), null), "press-2"))
        .isEqualTo(Decision.ALLOWED);
    assertThat(access.decideIngest(user(Set.of("viewer"), Set.of(), null), "press-2"))
        .isEqualTo(Decision.FORBIDDEN);
  }
}
