package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.security.AuthenticationException;
import io.busbar.security.Principal;
import io.vertx.core.Future;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class TokenCacheTest {

  private final AtomicInteger calls = new AtomicInteger();

  private Future<Principal> verify(String token) {
    calls.incrementAndGet();
    if (token.startsWith("bad")) {
      return Future.failedFuture(
          new AuthenticationException(AuthenticationException.Reason.BAD_SIGNATURE, "bad"));
    }
    long exp = token.startsWith("stale") ? System.currentTimeMillis() - 1 : Long.MAX_VALUE;
    return Future.succeededFuture(new Principal(token, "t", Set.of(), exp, null));
  }

  /** Verifies that a token that verified is answered from the cache until its TTL. */
  @Test
  void remembersVerifiedTokens() {
    TokenCache cache = new TokenCache(this::verify, 60_000, 100);
    assertThat(cache.authenticate("good").result().subject()).isEqualTo("good");
    assertThat(cache.authenticate("good").result().subject()).isEqualTo("good");
    assertThat(cache.authenticate("other").succeeded()).isTrue();
    assertThat(calls.get()).isEqualTo(2);
  }

  /** Verifies that failures, expired principals and a zero TTL are never answered from cache. */
  @Test
  void neverCachesFailuresOrExpired() {
    TokenCache cache = new TokenCache(this::verify, 60_000, 100);
    assertThat(cache.authenticate("bad-1").failed()).isTrue();
    assertThat(cache.authenticate("bad-1").failed()).isTrue();
    cache.authenticate("stale-1");
    cache.authenticate("stale-1");
    assertThat(calls.get()).isEqualTo(4);
    TokenCache off = new TokenCache(this::verify, 0, 100);
    off.authenticate("good");
    off.authenticate("good");
    assertThat(calls.get()).isEqualTo(6);
  }

  /** Verifies the LRU bound on entries. */
  @Test
  void boundsEntries() {
    TokenCache cache = new TokenCache(this::verify, 60_000, 3);
    for (int i = 0; i < 10; i++) {
      cache.authenticate("t" + i);
    }
    assertThat(cache.size()).isEqualTo(3);
  }
}
