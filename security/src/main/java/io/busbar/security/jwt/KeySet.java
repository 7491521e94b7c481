package io.busbar.security.jwt;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An immutable snapshot of an issuer's keys, indexed by {@code kid}. */
final class KeySet {

  static final KeySet EMPTY = new KeySet(List.of());

  private final List<VerificationKey> keys;
  private final Map<String, VerificationKey> byKid = new HashMap<>();

  KeySet(List<VerificationKey> keys) {
    this.keys = List.copyOf(keys);
    for (VerificationKey key : this.keys) {
      if (key.kid() != null) {
        byKid.putIfAbsent(key.kid(), key);
      }
    }
  }

  boolean isEmpty() {
    return keys.isEmpty();
  }

  int size() {
    return keys.size();
  }

  /** The key for {@code kid} and {@code alg}, or {@code null}. */
  VerificationKey find(String kid, JwsAlgorithm alg) {
    if (kid != null) {
      VerificationKey key = byKid.get(kid);
      return key != null && key.supports(alg) ? key : null;
    }
    VerificationKey only = null;
    for (VerificationKey key : keys) {
      if (key.supports(alg)) {
        if (only != null) {
          return null; // ambiguous without a kid
        }
        only = key;
      }
    }
    return only;
  }

  boolean contains(VerificationKey key) {
    for (VerificationKey k : keys) {
      if (k == key) {
        return true;
      }
    }
    return false;
  }
}
