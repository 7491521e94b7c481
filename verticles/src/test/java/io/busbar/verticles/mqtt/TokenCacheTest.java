package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.security.AuthenticationException;
import io.busbar.security.Principal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

  /**
   * Verifies that tokens not in the cache are verified on the worker pool, never on the broker's
   * event loop, that the answer (and the cache entry) comes back on the event loop, and that
   * verifications beyond the bound are refused as throttled instead of queued.
   */
  @Test
  void verifiesOnWorkersAndBoundsWaiting() throws Exception {
    Vertx vertx = Vertx.vertx();
    WorkerExecutor workers = vertx.createSharedWorkerExecutor("token-cache-test", 2);
    CountDownLatch release = new CountDownLatch(1);
    List<Boolean> verifiedOnEventLoop = new ArrayList<>();
    try {
      Context loop = vertx.getOrCreateContext();
      CompletableFuture<List<Object>> outcome = new CompletableFuture<>();
      loop.runOnContext(
          v -> {
            TokenCache cache =
                new TokenCache(
                    token -> {
                      synchronized (verifiedOnEventLoop) {
                        verifiedOnEventLoop.add(Context.isOnEventLoopThread());
                      }
                      if (token.startsWith("slow")) {
                        try {
                          release.await(5, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      return verify(token);
                    },
                    60_000,
                    100,
                    workers,
                    2);
            Future<Principal> first = cache.authenticate("slow-1");
            Future<Principal> second = cache.authenticate("slow-2");
            Future<Principal> third = cache.authenticate("slow-3"); // beyond the bound of 2
            release.countDown();
            Promise<Boolean> answeredOnLoop = Promise.promise();
            Future.all(first, second)
                .onComplete(
                    ar -> {
                      answeredOnLoop.complete(Context.isOnEventLoopThread());
                      // the verified token is now answered from the cache, synchronously
                      Future<Principal> again = cache.authenticate("slow-1");
                      outcome.complete(
                          List.of(
                              ar.succeeded(),
                              third.failed()
                                  && third.cause() instanceof AuthenticationException ae
                                  && ae.reason() == AuthenticationException.Reason.THROTTLED,
                              answeredOnLoop.future().result(),
                              again.isComplete() && again.succeeded()));
                    });
          });
      assertThat(outcome.get(5, TimeUnit.SECONDS)).containsExactly(true, true, true, true);
      assertThat(verifiedOnEventLoop).containsExactly(false, false);
    } finally {
      release.countDown();
      workers.close();
      vertx.close().await();
    }
  }
}
