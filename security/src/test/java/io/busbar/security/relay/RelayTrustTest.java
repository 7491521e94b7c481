package io.busbar.security.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which forwarded client addresses the broker believes ({@link RelayTrust}). */
@Timeout(10)
class RelayTrustTest {

  private static MultiMap headers(String secret, String forwarded) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    if (secret != null) {
      h.add(RelayTrust.SECRET_HEADER, secret);
    }
    if (forwarded != null) {
      h.add(RelayTrust.FORWARDED_FOR, forwarded);
    }
    return h;
  }

  /** Verifies that the relay's address is believed from loopback with the node's secret. */
  @Test
  void believesRelayWithSecretFromLoopback() {
    assertThat(RelayTrust.relayedAddress("127.0.0.1", headers(RelayTrust.secret(), "10.1.2.3")))
        .isEqualTo("10.1.2.3");
    assertThat(RelayTrust.relayedAddress("::1", headers(RelayTrust.secret(), "2001:db8::7")))
        .isEqualTo("2001:db8::7");
  }

  /**
   * Verifies that a forwarded address is ignored without or with a wrong secret, from a
   * non-loopback peer, over plain TCP (no headers), and when it is not an IP literal (a host name
   * would be resolved; a short number would be read as an address).
   */
  @Test
  void ignoresEverythingElse() {
    assertThat(RelayTrust.relayedAddress("127.0.0.1", headers(null, "10.1.2.3"))).isNull();
    assertThat(RelayTrust.relayedAddress("127.0.0.1", headers("guess", "10.1.2.3"))).isNull();
    assertThat(RelayTrust.relayedAddress("10.0.0.5", headers(RelayTrust.secret(), "10.1.2.3")))
        .isNull();
    assertThat(RelayTrust.relayedAddress("127.0.0.1", null)).isNull();
    for (String bad : new String[] {"example.com", "cafe", "1", "1.2", "", "10.1.2.3, 10.4.5.6"}) {
      assertThat(RelayTrust.relayedAddress("127.0.0.1", headers(RelayTrust.secret(), bad)))
          .as(bad)
          .isNull();
    }
  }
}
