package io.busbar.security.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.Principal;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class RevocationListTest {

  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

  private static Principal device(String id, String tenant, String jti) {
    return new Principal(id, tenant, Set.of(), NOW.toEpochMilli() + 60_000, jti);
  }

  /** Verifies token and device revocation, tenant scoping and reinstatement. */
  @Test
  void revokesTokensAndDevices() {
    RevocationList list = new RevocationList(Clock.fixed(NOW, ZoneOffset.UTC));
    list.revokeToken("j1", NOW.toEpochMilli() + 60_000);
    list.revokeDevice("acme", "press-1");

    assertThat(list.isRevoked(device("d1", "acme", "j1"))).isTrue();
    assertThat(list.isRevoked(device("d1", "acme", "j2"))).isFalse();
    assertThat(list.isRevoked(device("d1", "acme", null))).isFalse();
    assertThat(list.isRevoked(device("press-1", "acme", "x"))).isTrue();
    assertThat(list.isRevoked(device("press-1", "globex", "x"))).isFalse();
    assertThat(list.reinstateDevice("acme", "press-1")).isTrue();
    assertThat(list.reinstateDevice("acme", "press-1")).isFalse();
    assertThat(list.isRevoked(device("press-1", "acme", "x"))).isFalse();
  }

  /** Verifies that listeners hear every revocation at once and can be removed. */
  @Test
  void listenersHearRevocations() {
    RevocationList list = new RevocationList();
    List<Revocation> heard = new ArrayList<>();
    Runnable remove = list.addListener(heard::add);
    Principal live = device("press-1", "acme", "j9");

    list.revokeDevice("acme", "press-1");
    list.revokeToken("j9", Long.MAX_VALUE);
    remove.run();
    list.revokeToken("j10", Long.MAX_VALUE);

    assertThat(heard).hasSize(2);
    assertThat(heard).allMatch(r -> r.matches(live));
  }

  /** Verifies that token entries are forgotten a minute after the token's expiry. */
  @Test
  void expiredTokenEntriesAreForgotten() {
    RevocationList list = new RevocationList(Clock.fixed(NOW, ZoneOffset.UTC));
    list.revokeToken("old", NOW.toEpochMilli() - 120_000);
    list.revokeToken("new", NOW.toEpochMilli() + 1);

    assertThat(list.snapshot()).extracting(Revocation::value).containsExactly("new");
  }

  /** Verifies the JSON form used between nodes, and that bad JSON is refused. */
  @Test
  void jsonRoundTrip() {
    Revocation d = new Revocation(Revocation.Kind.DEVICE, "acme", "press-1", Long.MAX_VALUE);
    Revocation t = new Revocation(Revocation.Kind.TOKEN, null, "j1", 5);

    assertThat(Revocation.fromJson(d.toJson())).isEqualTo(d);
    assertThat(Revocation.fromJson(t.toJson())).isEqualTo(t);
    assertThatThrownBy(
            () -> Revocation.fromJson(new JsonObject().put("kind", "DEVICE").put("value", "x")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
