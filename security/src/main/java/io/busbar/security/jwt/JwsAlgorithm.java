package io.busbar.security.jwt;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Optional;

/**
 * The asymmetric JWS algorithms Busbar accepts (RFC 7518 §3.3, §3.4, §3.5; RFC 8037 §3.1). There is
 * deliberately no {@code none} and no {@code HS*}: a token naming them never finds an entry here,
 * so neither an unsigned token nor the "HMAC keyed with the public key" confusion (RFC 8725 §2.1)
 * can ever be verified. Each algorithm also fixes the key type it may use, so an RSA key is never
 * used for ECDSA and vice versa.
 *
 * <p>Verification uses the JDK's providers (SunRsaSign, SunEC); thread-safe, a fresh {@link
 * Signature} per call.
 */
public enum JwsAlgorithm {
  /** RSASSA-PKCS1-v1_5 with SHA-256, RSA keys of at least 2048 bits (RFC 7518 §3.3). */
  RS256("RSA", null),
  /** RSASSA-PSS with SHA-256 and MGF1 with SHA-256, salt 32 bytes (RFC 7518 §3.5). */
  PS256("RSA", null),
  /** ECDSA P-256 with SHA-256, signature R||S of 64 bytes (RFC 7518 §3.4). */
  ES256("EC", "P-256"),
  /** EdDSA over Ed25519 (RFC 8037 §3.1). */
  EdDSA("OKP", "Ed25519");

  /** Smallest RSA modulus accepted (RFC 7518 §3.3: "2048 bits or larger MUST be used"). */
  public static final int MIN_RSA_BITS = 2048;

  private final String keyType;
  private final String curve;

  JwsAlgorithm(String keyType, String curve) {
    this.keyType = keyType;
    this.curve = curve;
  }

  /** The algorithm named {@code alg} in a JWS header, or empty for anything not accepted. */
  public static Optional<JwsAlgorithm> byName(Object alg) {
    for (JwsAlgorithm a : values()) {
      if (a.name().equals(alg)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  /** The JWK {@code kty} of the keys this algorithm verifies with. */
  public String keyType() {
    return keyType;
  }

  /** The JWK {@code crv} of the keys, or {@code null} for RSA. */
  public String curve() {
    return curve;
  }

  /**
   * Whether {@code signature} is this algorithm's signature of {@code signingInput} by {@code key}.
   * A key of the wrong type, or a signature of the wrong shape, is simply {@code false}.
   */
  public boolean verify(PublicKey key, byte[] signingInput, byte[] signature) {
    try {
      Signature verifier;
      switch (this) {
        case RS256 -> verifier = Signature.getInstance("SHA256withRSA");
        case PS256 -> {
          verifier = Signature.getInstance("RSASSA-PSS");
          verifier.setParameter(
              new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        }
        case ES256 -> {
          if (signature.length != 64) {
            return false; // JWS carries R||S (RFC 7518 §3.4), never DER
          }
          verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
        }
        default -> verifier = Signature.getInstance("Ed25519");
      }
      verifier.initVerify(key);
      verifier.update(signingInput);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      // wrong key type for the algorithm, or garbage signature bytes: not a valid signature
      return false;
    }
  }
}
