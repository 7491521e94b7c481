package io.busbar.verticles.mqtt;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers tokens that verified, so a device reconnecting with the same token (or a connection
 * storm with one token) costs one signature verification, not one per CONNECT — ES256 verification
 * is the largest CPU cost of a CONNECT. Entries are keyed by the token's SHA-256 (no bearer tokens
 * kept), live at most {@code ttlMillis} and never past the token's {@code exp}, and the least
 * recently used go first beyond {@code maxEntries}. Failures are never cached. A token revoked
 * after it was cached is still accepted for at most {@code ttlMillis}.
 *
 * <p>A token not in the cache is verified on {@code verifiers}, a worker pool, when one is given:
 * an ES256 signature costs about a millisecond of CPU here, which on the broker's event loop would
 * stall every other connection during a storm of new tokens. At most {@code maxPending}
 * verifications wait at once; beyond, the CONNECT is refused as {@link Reason#THROTTLED} (retry
 * later) rather than queued without bound. Not thread-safe: called on the broker's context only.
 */
final class TokenCache {

  private record Entry(Principal principal, long validUntil) {}

  private final TokenAuthenticator authenticator;
  private final long ttlMillis;
  private final int maxEntries;
  private final Map<String, Entry> entries;
  private final WorkerExecutor verifiers;
  private final int maxPending;
  private int pending;
  private MessageDigest digest;

  /** Verifies on the caller's thread (tests, and callers without a worker pool). */
  TokenCache(TokenAuthenticator authenticator, long ttlMillis, int maxEntries) {
    this(authenticator, ttlMillis, maxEntries, null, 0);
  }

  /**
   * @param verifiers where tokens not in the cache are verified; {@code null} on the caller's
   *     thread
   * @param maxPending verifications waiting at most before new ones are refused as throttled
   */
  TokenCache(
      TokenAuthenticator authenticator,
      long ttlMillis,
      int maxEntries,
      WorkerExecutor verifiers,
      int maxPending) {
    this.authenticator = authenticator;
    this.verifiers = verifiers;
    this.maxPending = maxPending;
    this.ttlMillis = ttlMillis;
    this.maxEntries = maxEntries;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > TokenCache.this.maxEntries;
          }
        };
  }

  /** As {@link TokenAuthenticator#authenticate}, answering from the cache when it can. */
  Future<Principal> authenticate(String token) {
    if (ttlMillis <= 0 || token == null || token.isEmpty()) {
      return verify(token);
    }
    String key = sha256(token);
    long now = System.currentTimeMillis();
    Entry hit = entries.get(key);
    if (hit != null) {
      if (now < hit.validUntil()) {
        return Future.succeededFuture(hit.principal());
      }
      entries.remove(key);
    }
    return verify(token)
        .onSuccess(
            p -> {
              long until = Math.min(System.currentTimeMillis() + ttlMillis, p.expiresAt());
              entries.put(key, new Entry(p, until));
            });
  }

  int size() {
    return entries.size();
  }

  private Future<Principal> verify(String token) {
    if (verifiers == null || token == null || token.isEmpty()) {
      return authenticator.authenticate(token);
    }
    if (pending >= maxPending) {
      return Future.failedFuture(
          new AuthenticationException(Reason.THROTTLED, "too many tokens being verified"));
    }
    pending++;
    // the authenticator answers synchronously on the worker, or later when a JWKS fetch runs;
    // either way the outcome comes back on the broker's context
    return verifiers
        .executeBlocking(() -> authenticator.authenticate(token), false)
        .compose(outcome -> outcome)
        .andThen(done -> pending--);
  }

  private String sha256(String token) {
    // one digest reused: MessageDigest.getInstance looks the provider up each time, a good part
    // of a cached CONNECT's cost
    if (digest == null) {
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is always there", e);
      }
    }
    return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
  }
}
