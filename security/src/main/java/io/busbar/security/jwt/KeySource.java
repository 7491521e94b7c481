package io.busbar.security.jwt;

import io.busbar.security.AuthenticationException;
import io.vertx.core.Future;

/**
 * Where an issuer's public keys come from: a fixed list ({@link StaticKeySource}) or a JWKS URL
 * ({@link JwksKeySource}). Safe to call from any thread.
 */
public interface KeySource {

  /**
   * Finds the key that verifies a token of {@code alg} with key id {@code kid}.
   *
   * @param kid the token's {@code kid}, or {@code null}: then the issuer must have exactly one key
   *     for {@code alg}
   * @return a future of the key; failed with {@link AuthenticationException} {@code UNKNOWN_KEY}
   *     when there is no such key, or {@code KEYS_UNAVAILABLE} when no keys could be loaded yet
   */
  Future<VerificationKey> key(String kid, JwsAlgorithm alg);

  /**
   * Whether {@code key} is still one of the issuer's keys (a rotated-out key is not): a verified
   * signature remembered in a cache counts only while its key is current.
   */
  boolean isCurrent(VerificationKey key);

  /** Loads the keys; the future fails when the first load fails (the source keeps trying). */
  default Future<Void> start() {
    return Future.succeededFuture();
  }

  /** Stops refreshing. */
  default void close() {}
}
