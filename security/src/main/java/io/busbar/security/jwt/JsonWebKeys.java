package io.busbar.security.jwt;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Parses public keys from JWKs (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) and PEM (RFC 7468 §13
 * SubjectPublicKeyInfo). Only what {@link JwsAlgorithm} can use: RSA ≥ 2048 bits, EC P-256 (point
 * checked to be on the curve), OKP Ed25519. Pure and thread-safe.
 */
public final class JsonWebKeys {

  /**
   * Longest {@code kid} accepted; key ids are looked up in a map, never used in a path or query.
   */
  public static final int MAX_KID_LENGTH = 256;

  private static final Base64.Decoder B64URL = Base64.getUrlDecoder();

  /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4), followed by the 32-byte key. */
  private static final byte[] ED25519_SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private JsonWebKeys() {}

  /**
   * Parses one public JWK.
   *
   * @throws IllegalArgumentException saying what is wrong: unsupported {@code kty}/{@code crv}, a
   *     {@code use} other than {@code sig}, a weak RSA key, a point off the curve, bad base64url
   */
  public static VerificationKey parse(JsonObject jwk) {
    Object kid = jwk.getValue("kid");
    if (kid != null && (!(kid instanceof String s) || s.length() > MAX_KID_LENGTH)) {
      throw new IllegalArgumentException("kid is not a string of at most " + MAX_KID_LENGTH);
    }
    Object use = jwk.getValue("use");
    if (use != null && !"sig".equals(use)) {
      throw new IllegalArgumentException("key " + kid + " has use " + use + ", not sig");
    }
    JwsAlgorithm alg = null;
    if (jwk.getValue("alg") != null) {
      alg =
          JwsAlgorithm.byName(jwk.getValue("alg"))
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "key " + kid + " has unsupported alg " + jwk.getValue("alg")));
    }
    Object kty = jwk.getValue("kty");
    try {
      VerificationKey key =
          switch (String.valueOf(kty)) {
            case "RSA" -> new VerificationKey((String) kid, "RSA", null, alg, rsa(jwk));
            case "EC" -> new VerificationKey((String) kid, "EC", "P-256", alg, ec(jwk));
            case "OKP" -> new VerificationKey((String) kid, "OKP", "Ed25519", alg, ed25519(jwk));
            default -> throw new IllegalArgumentException("unsupported kty " + kty);
          };
      if (alg != null && !key.supports(alg)) {
        throw new IllegalArgumentException("key " + kid + " of type " + kty + " cannot do " + alg);
      }
      return key;
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("key " + kid + " is not a valid " + kty + " key", e);
    }
  }

  /**
   * Parses a JWKS document (RFC 7517 §5), skipping keys Busbar cannot use (other key types, {@code
   * use=enc}); a JWKS typically also lists encryption keys, which is no error.
   *
   * @throws IllegalArgumentException when the document has no {@code keys} array
   */
  public static List<VerificationKey> parseSet(JsonObject jwks) {
    if (!(jwks.getValue("keys") instanceof JsonArray keys)) {
      throw new IllegalArgumentException("JWKS has no keys array");
    }
    List<VerificationKey> parsed = new ArrayList<>();
    for (Object entry : keys) {
      if (entry instanceof JsonObject jwk) {
        try {
          parsed.add(parse(jwk));
        } catch (IllegalArgumentException skipped) {
          // unusable for signatures; the others still count
        }
      }
    }
    return List.copyOf(parsed);
  }

  /**
   * Parses a PEM {@code PUBLIC KEY} (SubjectPublicKeyInfo) of type RSA, EC P-256 or Ed25519.
   *
   * @param kid the id to give it, or {@code null}
   * @throws IllegalArgumentException when it is none of those
   */
  public static VerificationKey parsePem(String pem, String kid) {
    String body =
        pem.replace("-----BEGIN PUBLIC KEY-----", "")
            .replace("-----END PUBLIC KEY-----", "")
            .replaceAll("\\s", "");
    byte[] der;
    try {
      der = Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a PEM PUBLIC KEY", e);
    }
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        PublicKey key =
            KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
        if (key instanceof RSAPublicKey rsa) {
          requireStrongRsa(rsa.getModulus());
          return new VerificationKey(kid, "RSA", null, null, key);
        }
        if (key instanceof ECPublicKey ecKey) {
          if (ecKey.getParams().getCurve().getField().getFieldSize() != 256
              || !onCurve(ecKey.getW(), p256())) {
            throw new IllegalArgumentException("EC key is not on P-256");
          }
          return new VerificationKey(kid, "EC", "P-256", null, key);
        }
        return new VerificationKey(kid, "OKP", "Ed25519", null, key);
      } catch (GeneralSecurityException tryNext) {
        // not this key type
      }
    }
    throw new IllegalArgumentException("PEM key is not RSA, EC P-256 or Ed25519");
  }

  private static PublicKey rsa(JsonObject jwk) throws GeneralSecurityException {
    BigInteger n = unsigned(jwk, "n");
    BigInteger e = unsigned(jwk, "e");
    requireStrongRsa(n);
    return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
  }

  private static void requireStrongRsa(BigInteger modulus) {
    if (modulus.bitLength() < JwsAlgorithm.MIN_RSA_BITS) {
      throw new IllegalArgumentException(
          "RSA key of " + modulus.bitLength() + " bits; at least 2048 required");
    }
  }

  private static PublicKey ec(JsonObject jwk) throws GeneralSecurityException {
    if (!"P-256".equals(jwk.getValue("crv"))) {
      throw new IllegalArgumentException("unsupported EC curve " + jwk.getValue("crv"));
    }
    byte[] x = bytes(jwk, "x");
    byte[] y = bytes(jwk, "y");
    if (x.length != 32 || y.length != 32) {
      throw new IllegalArgumentException("P-256 coordinates must be 32 bytes");
    }
    ECParameterSpec params = p256();
    ECPoint point = new ECPoint(new BigInteger(1, x), new BigInteger(1, y));
    if (!onCurve(point, params)) {
      throw new IllegalArgumentException("EC point is not on P-256");
    }
    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, params));
  }

  private static PublicKey ed25519(JsonObject jwk) throws GeneralSecurityException {
    if (!"Ed25519".equals(jwk.getValue("crv"))) {
      throw new IllegalArgumentException("unsupported OKP curve " + jwk.getValue("crv"));
    }
    byte[] x = bytes(jwk, "x");
    if (x.length != 32) {
      throw new IllegalArgumentException("Ed25519 key must be 32 bytes");
    }
    byte[] der = new byte[ED25519_SPKI_PREFIX.length + 32];
    System.arraycopy(ED25519_SPKI_PREFIX, 0, der, 0, ED25519_SPKI_PREFIX.length);
    System.arraycopy(x, 0, der, ED25519_SPKI_PREFIX.length, 32);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
  }

  private static ECParameterSpec p256() throws GeneralSecurityException {
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
    parameters.init(new ECGenParameterSpec("secp256r1"));
    return parameters.getParameterSpec(ECParameterSpec.class);
  }

  /** y² = x³ + ax + b (mod p): refuses invalid-curve points (a classic ECC key attack). */
  private static boolean onCurve(ECPoint point, ECParameterSpec params) {
    if (point == null || ECPoint.POINT_INFINITY.equals(point)) {
      return false;
    }
    EllipticCurve curve = params.getCurve();
    BigInteger p = ((java.security.spec.ECFieldFp) curve.getField()).getP();
    BigInteger x = point.getAffineX();
    BigInteger y = point.getAffineY();
    if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger left = y.multiply(y).mod(p);
    BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
    return left.equals(right);
  }

  private static BigInteger unsigned(JsonObject jwk, String name) {
    return new BigInteger(1, bytes(jwk, name));
  }

  private static byte[] bytes(JsonObject jwk, String name) {
    if (!(jwk.getValue(name) instanceof String text) || text.isEmpty()) {
      throw new IllegalArgumentException("JWK member " + name + " is missing");
    }
    return B64URL.decode(text);
  }
}
