package io.busbar.security.jmh;

import io.busbar.security.Principal;
import io.busbar.security.jwt.IssuerConfig;
import io.busbar.security.jwt.JsonWebKeys;
import io.busbar.security.jwt.JwsAlgorithm;
import io.busbar.security.jwt.KeySource;
import io.busbar.security.jwt.MultiIssuerAuthenticator;
import io.busbar.security.jwt.StaticKeySource;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.security.jwt.TokenSigner;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * CPU cost of one JWT validation through {@link MultiIssuerAuthenticator} as a node configures it
 * for an {@code issuers} entry with a static public key (no revocation list, no audience):
 *
 * <ul>
 *   <li>{@link #verify}: a token the authenticator has not seen, so parsing, the signature check
 *       and every claim check run. The authenticator remembers verified signatures, so each call
 *       uses a fresh authenticator over the same key source (building one costs well under a
 *       microsecond, see {@link #newAuthenticatorOnly}, against tens of microseconds or more for a
 *       signature);
 *   <li>{@link #signatureCacheHit}: the same token again on one authenticator — parsing, SHA-256 of
 *       the token, the claim checks, no signature check;
 *   <li>{@link #tokenCacheHit}: what the MQTT listener's token cache ({@code
 *       verticles/…/mqtt/TokenCache}) does before the authenticator is reached: SHA-256 of the
 *       token, hex, one map lookup.
 * </ul>
 *
 * <p>Not a test (surefire runs {@code *Test} only): run by {@code perf/run-jwt-bench.sh}.
 * Single-threaded; the benchmark thread is JMH's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class JwtValidationBenchmark {

  private static final String ISS = "https://idp.example.com/realms/bench";

  @Param({"ES256", "RS256", "PS256", "EdDSA"})
  public String alg;

  private Map<IssuerConfig, KeySource> sources;
  private MultiIssuerAuthenticator shared;
  private String token;
  private MessageDigest digest;
  private Map<String, Principal> tokenCache;

  @Setup
  public void setUp() throws Exception {
    JwsAlgorithm algorithm = JwsAlgorithm.valueOf(alg);
    KeyPair pair = generate(algorithm);
    String publicPem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    String privatePem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    IssuerConfig config =
        IssuerConfig.builder(ISS)
            .algorithms(Set.of(algorithm))
            .staticKeys(List.of(JsonWebKeys.parsePem(publicPem, "bench-1")))
            .build();
    sources = Map.of(config, new StaticKeySource(config.staticKeys()));
    token =
        TokenSigner.fromPem(ISS, algorithm, privatePem, "bench-1")
            .mint(new TokenRequest("device-0042", "plant", Set.of("app"), Duration.ofHours(12)));
    shared = new MultiIssuerAuthenticator(sources, null, Clock.systemUTC());
    if (shared.authenticate(token).failed()) {
      throw new IllegalStateException("the bench token does not verify");
    }
    digest = MessageDigest.getInstance("SHA-256");
    tokenCache = new LinkedHashMap<>(16, 0.75f, true);
    tokenCache.put(hex(token), shared.authenticate(token).result());
  }

  /** Full validation of a token not seen before: parse, signature, claims. */
  @Benchmark
  public Principal verify() {
    return new MultiIssuerAuthenticator(sources, null, Clock.systemUTC())
        .authenticate(token)
        .result();
  }

  /** Validation of a token whose signature was verified before: parse, hash, claims. */
  @Benchmark
  public Principal signatureCacheHit() {
    return shared.authenticate(token).result();
  }

  /** The MQTT listener's token cache: hash and lookup only. */
  @Benchmark
  public Principal tokenCacheHit() {
    return tokenCache.get(hex(token));
  }

  /** Baseline of {@link #verify}: building the authenticator it builds per call. */
  @Benchmark
  public MultiIssuerAuthenticator newAuthenticatorOnly() {
    return new MultiIssuerAuthenticator(sources, null, Clock.systemUTC());
  }

  private String hex(String value) {
    return HexFormat.of().formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  private static KeyPair generate(JwsAlgorithm alg) throws Exception {
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
    return generator.generateKeyPair();
  }
}
