package io.busbar.verticles.mqtt;

import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.vertx.core.Future;
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
 * after it was cached is still accepted for at most {@code ttlMillis}. Not thread-safe: one broker,
 * one context.
 */
final class TokenCache {

  private record Entry(Principal principal, long validUntil) {}

  private final TokenAuthenticator authenticator;
  private final long ttlMillis;
  private final int maxEntries;
  private final Map<String, Entry> entries;
  private MessageDigest digest;

  TokenCache(TokenAuthenticator authenticator, long ttlMillis, int maxEntries) {
    this.authenticator = authenticator;
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
      return authenticator.authenticate(token);
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
    return authenticator
        .authenticate(token)
        .onSuccess(
            p -> {
              long until = Math.min(System.currentTimeMillis() + ttlMillis, p.expiresAt());
              entries.put(key, new Entry(p, until));
            });
  }

  int size() {
    return entries.size();
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
