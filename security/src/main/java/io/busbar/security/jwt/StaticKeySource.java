package io.busbar.security.jwt;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.vertx.core.Future;
import java.util.List;

/** A fixed list of keys from configuration (JWKs or PEM files). Immutable and thread-safe. */
public final class StaticKeySource implements KeySource {

  private final KeySet keys;

  public StaticKeySource(List<VerificationKey> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a static key source needs at least one key");
    }
    this.keys = new KeySet(keys);
  }

  @Override
  public Future<VerificationKey> key(String kid, JwsAlgorithm alg) {
    VerificationKey key = keys.find(kid, alg);
    return key != null
        ? Future.succeededFuture(key)
        : Future.failedFuture(
            new AuthenticationException(Reason.UNKNOWN_KEY, "no key " + kid + " for " + alg));
  }

  @Override
  public boolean isCurrent(VerificationKey key) {
    return keys.contains(key);
  }
}
