package io.busbar.security.jwt;

import java.security.PublicKey;
import java.util.Objects;

/**
 * One public key of an issuer, as parsed from a JWK (RFC 7517) or a PEM file.
 *
 * @param kid the key id ({@code kid}), or {@code null} when the key has none
 * @param keyType the JWK {@code kty}: {@code RSA}, {@code EC} or {@code OKP}
 * @param curve the JWK {@code crv} ({@code P-256}, {@code Ed25519}), {@code null} for RSA
 * @param algorithm the JWK {@code alg} the key is restricted to, or {@code null} for any that fits
 * @param publicKey the JDK key
 */
public record VerificationKey(
    String kid, String keyType, String curve, JwsAlgorithm algorithm, PublicKey publicKey) {

  public VerificationKey {
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(publicKey, "publicKey");
  }

  /** Whether this key may verify signatures of {@code alg}: the key type, curve and alg fit. */
  public boolean supports(JwsAlgorithm alg) {
    return (algorithm == null || algorithm == alg)
        && alg.keyType().equals(keyType)
        && Objects.equals(alg.curve(), curve);
  }
}
