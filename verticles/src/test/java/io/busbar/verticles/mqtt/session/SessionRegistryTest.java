package io.busbar.verticles.mqtt.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The sessions of a broker by tenant and client id. */
class SessionRegistryTest {

  private static Session session(String tenant, String clientId) {
    return new Session(tenant, clientId, 10, QueuePolicy.DROP_NEWEST, d -> {});
  }

  /**
   * Verifies that client ids are scoped to their tenant, that a session replaces another of the
   * same tenant and client id, and that removing a replaced session leaves its successor.
   */
  @Test
  void scopesClientIdsToTenants() {
    SessionRegistry registry = new SessionRegistry();
    Session a = session("t1", "c");
    Session b = session("t2", "c");
    registry.put(a);
    registry.put(b);
    assertThat(registry.get("t1", "c")).containsSame(a);
    assertThat(registry.get("t2", "c")).containsSame(b);
    assertThat(registry.size()).isEqualTo(2);
    Session a2 = session("t1", "c");
    registry.put(a2);
    assertThat(registry.size()).isEqualTo(2);
    registry.remove(a); // no longer registered: no effect
    assertThat(registry.get("t1", "c")).containsSame(a2);
    registry.remove(a2);
    assertThat(registry.get("t1", "c")).isEmpty();
    assertThat(registry.size()).isEqualTo(1);
  }

  /** Verifies that {@code all()} lists every session of every tenant, and only those. */
  @Test
  void allListsEverySession() {
    SessionRegistry registry = new SessionRegistry();
    assertThat(registry.all()).isEmpty();
    Session a = session("t1", "a");
    Session b = session("t1", "b");
    Session c = session("t2", "c");
    registry.put(a);
    registry.put(b);
    registry.put(c);
    assertThat(registry.all()).containsExactlyInAnyOrder(a, b, c).hasSize(3);
    for (Session s : List.copyOf(registry.all())) {
      registry.remove(s);
    }
    assertThat(registry.all()).isEmpty();
    assertThat(registry.size()).isZero();
  }
}
