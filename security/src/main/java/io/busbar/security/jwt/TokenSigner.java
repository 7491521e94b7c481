package io.busbar.security.jwt;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.util.Base64;
import java.util.Objects;

/**
 * Signs tokens with a private key given as a PKCS#8 PEM, for any {@link JwsAlgorithm}: the tokens
 * of a test or benchmark issuer that a node trusts through an {@code issuers} entry with the
 * matching public key ({@code busbar token --key}). Claims as {@link DevelopmentIssuer#mint}:
 * {@code iss}, {@code sub}, {@code tenant}, {@code roles} (left out when empty), {@code iat},
 * {@code exp}, a random {@code jti}.
 *
 * <p>Threads: thread-safe, a fresh {@link Signature} per token; CPU work on the caller's thread.
 */
public final class TokenSigner {

  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final String issuer;
  private final JwsAlgorithm alg;
  private final PrivateKey key;
  private final String kid;
  private final Clock clock;

  /**
   * @param kid the header's {@code kid}, or {@code null} for none
   * @throws IllegalArgumentException when {@code key} cannot sign with {@code alg}
   */
  public TokenSigner(String issuer, JwsAlgorithm alg, PrivateKey key, String kid, Clock clock) {
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.alg = Objects.requireNonNull(alg, "alg");
    this.key = Objects.requireNonNull(key, "key");
    this.kid = kid;
    this.clock = Objects.requireNonNull(clock, "clock");
    String expected = jdkKeyAlgorithm(alg);
    if (!expected.equals(key.getAlgorithm())
        && !("Ed25519".equals(expected) && "EdDSA".equals(key.getAlgorithm()))) {
      throw new IllegalArgumentException(
          alg + " needs a " + expected + " key, not " + key.getAlgorithm());
    }
  }

  /**
   * A signer of {@code alg} with the PKCS#8 PEM private key {@code pem} ({@code -----BEGIN PRIVATE
   * KEY-----}, as {@code openssl genpkey} writes it).
   *
   * @throws IllegalArgumentException when the PEM is not a PKCS#8 key of {@code alg}'s type
   */
  public static TokenSigner fromPem(String issuer, JwsAlgorithm alg, String pem, String kid) {
    String begin = "-----BEGIN PRIVATE KEY-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf("-----END PRIVATE KEY-----");
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("not a PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
      PrivateKey key =
          KeyFactory.getInstance(jdkKeyAlgorithm(alg))
              .generatePrivate(new PKCS8EncodedKeySpec(der));
      return new TokenSigner(issuer, alg, key, kid, Clock.systemUTC());
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the PEM is not a " + alg + " private key", e);
    }
  }

  /** Mints one signed token for {@code request}. */
  public String mint(TokenRequest request) {
    JsonObject claims = request.claims(clock.millis() / 1000).put("iss", issuer);
    JsonObject header = new JsonObject().put("alg", alg.name()).put("typ", "JWT");
    if (kid != null) {
      header.put("kid", kid);
    }
    String input = b64(header.encode()) + "." + b64(claims.encode());
    return input + "." + B64URL.encodeToString(sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  private byte[] sign(byte[] input) {
    try {
      Signature signer;
      switch (alg) {
        case RS256 -> signer = Signature.getInstance("SHA256withRSA");
        case PS256 -> {
          // RFC 7518 §3.5: MGF1 with SHA-256, salt as long as the hash
          signer = Signature.getInstance("RSASSA-PSS");
          signer.setParameter(
              new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        }
        // RFC 7518 §3.4: R || S, not DER
        case ES256 -> signer = Signature.getInstance("SHA256withECDSAinP1363Format");
        default -> signer = Signature.getInstance("Ed25519");
      }
      signer.initSign(key);
      signer.update(input);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(alg + " signing failed", e);
    }
  }

  private static String jdkKeyAlgorithm(JwsAlgorithm alg) {
    return switch (alg) {
      case RS256, PS256 -> "RSA";
      case ES256 -> "EC";
      case EdDSA -> "Ed25519";
    };
  }

  private static String b64(String text) {
    return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
