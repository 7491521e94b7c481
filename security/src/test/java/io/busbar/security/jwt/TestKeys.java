package io.busbar.security.jwt;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/** A real key pair of one algorithm that signs test tokens and describes itself as a JWK. */
final class TestKeys {

  static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  final JwsAlgorithm alg;
  final String kid;
  final KeyPair pair;

  private TestKeys(JwsAlgorithm alg, String kid, KeyPair pair) {
    this.alg = alg;
    this.kid = kid;
    this.pair = pair;
  }

  static TestKeys generate(JwsAlgorithm alg, String kid) {
    try {
      KeyPairGenerator generator;
      switch (alg) {
        case RS256, PS256 -> {
          generator = KeyPairGenerator.getInstance("RSA");
          generator.initialize(2048);
        }
        case ES256 -> {
          generator = KeyPairGenerator.getInstance("EC");
          generator.initialize(new ECGenParameterSpec("secp256r1"));
        }
        default -> generator = KeyPairGenerator.getInstance("Ed25519");
      }
      return new TestKeys(alg, kid, generator.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public key as a JWK with kid, alg and use. */
  JsonObject jwk() {
    JsonObject jwk = new JsonObject().put("kid", kid).put("alg", alg.name()).put("use", "sig");
    if (pair.getPublic() instanceof RSAPublicKey rsa) {
      return jwk.put("kty", "RSA")
          .put("n", b64(rsa.getModulus()))
          .put("e", b64(rsa.getPublicExponent()));
    }
    if (pair.getPublic() instanceof ECPublicKey ec) {
      return jwk.put("kty", "EC")
          .put("crv", "P-256")
          .put("x", b64(ec.getW().getAffineX()))
          .put("y", b64(ec.getW().getAffineY()));
    }
    byte[] der = pair.getPublic().getEncoded();
    byte[] x = Arrays.copyOfRange(der, der.length - 32, der.length);
    return jwk.put("kty", "OKP").put("crv", "Ed25519").put("x", B64URL.encodeToString(x));
  }

  /** The public key as a PEM SubjectPublicKeyInfo. */
  String publicPem() {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  /** Signs {@code claims} with header {@code {alg, kid}}. */
  String sign(JsonObject claims) {
    return sign(new JsonObject().put("alg", alg.name()).put("typ", "JWT").put("kid", kid), claims);
  }

  /** Signs {@code claims} under {@code header} as given (the header's alg is not checked). */
  String sign(JsonObject header, JsonObject claims) {
    String input = b64(header.encode()) + "." + b64(claims.encode());
    return input
        + "."
        + B64URL.encodeToString(signature(input.getBytes(StandardCharsets.US_ASCII)));
  }

  private byte[] signature(byte[] input) {
    try {
      Signature signer;
      switch (alg) {
        case RS256 -> signer = Signature.getInstance("SHA256withRSA");
        case PS256 -> {
          signer = Signature.getInstance("RSASSA-PSS");
          signer.setParameter(
              new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        }
        case ES256 -> signer = Signature.getInstance("SHA256withECDSAinP1363Format");
        default -> signer = Signature.getInstance("Ed25519");
      }
      signer.initSign(pair.getPrivate());
      signer.update(input);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String b64(String text) {
    return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static String b64(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    // EC coordinates are fixed-length 32 bytes (RFC 7518 §6.2.1.2)
    if (bytes.length < 32) {
      byte[] padded = new byte[32];
      System.arraycopy(bytes, 0, padded, 32 - bytes.length, bytes.length);
      bytes = padded;
    }
    return B64URL.encodeToString(bytes);
  }
}
