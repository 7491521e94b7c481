package io.busbar.security.ratelimit;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.vertx.core.Future;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Keeps floods of bad tokens from starving good clients on the authentication path. Per source
 * address it bounds
 *
 * <ul>
 *   <li>authentications in flight (a JWKS fetch makes them wait), and in total;
 *   <li>failed authentications: each failure takes a token from the source's bucket; a source with
 *       an empty bucket is refused {@code THROTTLED} before any signature is checked.
 * </ul>
 *
 * A node-wide failure bucket catches floods spread over many addresses: while it is empty, only
 * sources that failed recently are refused; sources with a clean record still get through.
 *
 * <p>Thread-safe and non-blocking.
 */
public final class AuthGuard {

  /**
   * The guard's limits.
   *
   * @param maxInFlightPerSource authentications one address may have pending
   * @param maxInFlightTotal authentications pending on the node
   * @param failuresPerSecond sustained failed authentications accepted from one address
   * @param failureBurst failures one address may have at once
   * @param globalFailuresPerSecond sustained failed authentications on the node before recently
   *     failing addresses are refused outright
   * @param maxTrackedSources addresses remembered at most (idle ones are forgotten first)
   */
  public record Config(
      int maxInFlightPerSource,
      int maxInFlightTotal,
      double failuresPerSecond,
      double failureBurst,
      double globalFailuresPerSecond,
      int maxTrackedSources) {

    public Config {
      if (maxInFlightPerSource < 1 || maxInFlightTotal < maxInFlightPerSource) {
        throw new IllegalArgumentException(
            "in-flight limits must be 1 ≤ per source ("
                + maxInFlightPerSource
                + ") ≤ total ("
                + maxInFlightTotal
                + ")");
      }
      if (!(failuresPerSecond > 0) || !(failureBurst >= 1) || !(globalFailuresPerSecond > 0)) {
        throw new IllegalArgumentException("failure rates must be > 0 and burst ≥ 1");
      }
      if (maxTrackedSources < 1) {
        throw new IllegalArgumentException("maxTrackedSources must be ≥ 1");
      }
    }

    /**
     * 128 pending per address, 4096 in total, 1 failure/s per address (burst 10), 500/s node-wide.
     * New tokens are verified on a worker pool, so a gateway's devices reconnecting at once from
     * one address (behind NAT) have many verifications pending together; 128 lets such a burst
     * through while still bounding what one address can hold.
     */
    public static Config defaults() {
      return new Config(128, 4096, 1, 10, 500, 100_000);
    }
  }

  /** One address's state. */
  private static final class Source {
    final AtomicInteger inFlight = new AtomicInteger();
    final TokenBucket failures;

    Source(Config config, LongSupplier nanoTime) {
      failures = new TokenBucket(config.failuresPerSecond(), config.failureBurst(), nanoTime);
    }

    boolean idle() {
      return inFlight.get() == 0 && failures.isFull();
    }
  }

  private final Config config;
  private final LongSupplier nanoTime;
  private final Map<String, Source> sources = new ConcurrentHashMap<>();
  private final TokenBucket globalFailures;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong throttled = new AtomicLong();

  public AuthGuard(Config config) {
    this(config, System::nanoTime);
  }

  /** With the clock given (deterministic tests). */
  public AuthGuard(Config config, LongSupplier nanoTime) {
    this.config = Objects.requireNonNull(config, "config");
    this.nanoTime = nanoTime;
    this.globalFailures =
        new TokenBucket(
            config.globalFailuresPerSecond(), config.globalFailuresPerSecond() * 2, nanoTime);
  }

  /**
   * Authenticates {@code token} from {@code sourceAddress} with {@code authenticator}, unless the
   * address is over its limits.
   *
   * @return the authenticator's future, or one failed with {@link AuthenticationException} {@link
   *     Reason#THROTTLED} without calling it
   */
  public Future<Principal> authenticate(
      String sourceAddress, String token, TokenAuthenticator authenticator) {
    Source source = source(sourceAddress);
    boolean cleanRecord = source.failures.isFull();
    if (source.failures.available() < 1 || (!cleanRecord && globalFailures.available() < 1)) {
      return throttle("too many failed authentications from this address");
    }
    if (inFlight.incrementAndGet() > config.maxInFlightTotal()) {
      inFlight.decrementAndGet();
      return throttle("too many authentications in progress");
    }
    if (source.inFlight.incrementAndGet() > config.maxInFlightPerSource()) {
      source.inFlight.decrementAndGet();
      inFlight.decrementAndGet();
      return throttle("too many authentications in progress from this address");
    }
    Future<Principal> result;
    try {
      result = authenticator.authenticate(token);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.andThen(
        ar -> {
          source.inFlight.decrementAndGet();
          inFlight.decrementAndGet();
          if (ar.failed() && countsAsFailure(ar.cause())) {
            source.failures.takeAnyway(1);
            globalFailures.takeAnyway(1);
          }
        });
  }

  /** Authentications refused by this guard so far (a counter). */
  public long throttledCount() {
    return throttled.get();
  }

  /** Authentications in progress (a gauge). */
  public int inFlight() {
    return inFlight.get();
  }

  /** A failure the client caused; an unavailable key server is not the client's fault. */
  private static boolean countsAsFailure(Throwable cause) {
    return !(cause instanceof AuthenticationException ae)
        || (ae.reason() != Reason.KEYS_UNAVAILABLE && ae.reason() != Reason.THROTTLED);
  }

  private Source source(String address) {
    Source source = sources.get(address);
    if (source != null) {
      return source;
    }
    if (sources.size() >= config.maxTrackedSources()) {
      sources.values().removeIf(Source::idle);
    }
    return sources.computeIfAbsent(address, a -> new Source(config, nanoTime));
  }

  private Future<Principal> throttle(String message) {
    throttled.incrementAndGet();
    return Future.failedFuture(new AuthenticationException(Reason.THROTTLED, message));
  }
}
