package io.busbar.security.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The auth-path guard with real development tokens and forged ones, on a hand-driven clock. */
@ExtendWith(VertxExtension.class)
@Timeout(10)
class AuthGuardTest {

  private static DevelopmentIssuer issuer;
  private static TokenAuthenticator authenticator;
  private static String good;
  private static String forged;

  private final AtomicLong nanos = new AtomicLong();

  @BeforeAll
  static void issue(Vertx vertx, @TempDir Path dir) {
    issuer = DevelopmentIssuer.loadOrCreate(vertx, dir);
    authenticator = issuer.authenticator();
    good = issuer.mint(TokenRequest.device("d1", "acme", Duration.ofHours(1)));
    String[] parts = good.split("\\.");
    forged = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
  }

  /** Verifies that a burst of bad tokens from one address throttles that address only. */
  @Test
  void badBurstThrottlesOnlyItsSource() {
    AuthGuard guard = new AuthGuard(new AuthGuard.Config(4, 100, 1, 5, 1000, 100), nanos::get);
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      reasons.add(reason(guard.authenticate("10.6.6.6", forged, authenticator)));
    }

    assertThat(reasons.subList(0, 5)).containsOnly(Reason.BAD_SIGNATURE);
    assertThat(reasons.subList(5, 50)).containsOnly(Reason.THROTTLED);
    assertThat(guard.throttledCount()).isEqualTo(45);
    // a good client elsewhere is untouched, and the attacker's good token waits its turn too
    assertThat(guard.authenticate("10.0.0.1", good, authenticator).result().subject())
        .isEqualTo("d1");
    assertThat(reason(guard.authenticate("10.6.6.6", good, authenticator)))
        .isEqualTo(Reason.THROTTLED);

    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(guard.authenticate("10.6.6.6", good, authenticator).succeeded()).isTrue();
  }

  /**
   * Verifies that a flood spread over many addresses throttles the failing ones, not clean ones.
   */
  @Test
  void distributedFloodSparesCleanSources() {
    AuthGuard guard = new AuthGuard(new AuthGuard.Config(4, 100, 1, 5, 10, 10_000), nanos::get);
    for (int i = 0; i < 200; i++) {
      guard.authenticate("10.9.0." + (i % 50), forged, authenticator);
    }

    assertThat(guard.throttledCount()).isGreaterThan(100);
    assertThat(guard.authenticate("192.168.1.10", good, authenticator).succeeded()).isTrue();
  }

  /** Verifies that pending authentications are bounded per address and in total. */
  @Test
  void inFlightIsBounded() {
    List<Promise<Principal>> pending = new ArrayList<>();
    TokenAuthenticator slow =
        token -> {
          Promise<Principal> p = Promise.promise();
          pending.add(p);
          return p.future();
        };
    AuthGuard guard = new AuthGuard(new AuthGuard.Config(2, 3, 1, 5, 1000, 100), nanos::get);

    Future<Principal> a1 = guard.authenticate("a", "t", slow);
    guard.authenticate("a", "t", slow);
    assertThat(reason(guard.authenticate("a", "t", slow))).isEqualTo(Reason.THROTTLED);
    guard.authenticate("b", "t", slow);
    assertThat(reason(guard.authenticate("c", "t", slow))).isEqualTo(Reason.THROTTLED);
    assertThat(guard.inFlight()).isEqualTo(3);

    pending.get(0).complete(new Principal("x", "t", java.util.Set.of(), 0, null));
    assertThat(a1.succeeded()).isTrue();
    assertThat(guard.inFlight()).isEqualTo(2);
    assertThat(guard.authenticate("a", "t", slow).isComplete()).isFalse();
  }

  /** Verifies that an unavailable key server does not count against the client. */
  @Test
  void keysUnavailableIsNotTheClientsFault() {
    TokenAuthenticator down =
        token ->
            Future.failedFuture(new AuthenticationException(Reason.KEYS_UNAVAILABLE, "idp down"));
    AuthGuard guard = new AuthGuard(new AuthGuard.Config(4, 100, 1, 2, 1000, 100), nanos::get);
    for (int i = 0; i < 10; i++) {
      assertThat(reason(guard.authenticate("a", "t", down))).isEqualTo(Reason.KEYS_UNAVAILABLE);
    }
  }

  private static Reason reason(Future<Principal> f) {
    assertThat(f.failed()).as("refused").isTrue();
    return ((AuthenticationException) f.cause()).reason();
  }
}
