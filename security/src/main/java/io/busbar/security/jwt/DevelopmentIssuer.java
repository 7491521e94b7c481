package io.busbar.security.jwt;

import io.busbar.security.TokenAuthenticator;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The node's development token issuer: an ES256 (P-256) key pair kept under the data directory,
 * tokens minted with it ({@code busbar token}, the demo's simulated devices), its public key as a
 * JWKS document ({@code /.well-known/jwks.json}) and its issuer configuration, so that a {@link
 * MultiIssuerAuthenticator} accepts its tokens. Production deployments validate tokens of a real
 * issuer through its JWKS instead.
 *
 * <p>Signing is vertx-auth-jwt's; the private key never leaves this object. Thread-safe once built;
 * {@link #mint} and the authenticator are non-blocking CPU work.
 */
public final class DevelopmentIssuer {

  /** The {@code iss} claim of every development token. */
  public static final String ISSUER = "busbar-dev";

  /** The only signature algorithm minted and accepted (RFC 7518 §3.4). */
  public static final String ALGORITHM = "ES256";

  /**
   * Default tolerance for clock differences when checking {@code exp}, {@code nbf}, {@code iat}.
   */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(5);

  private final JWTAuth signer;
  private final String kid;
  private final JsonObject publicJwk;
  private final Clock clock;
  private final Path privateKeyFile;

  private DevelopmentIssuer(
      Vertx vertx, SigningKeyFiles.Loaded keys, Clock clock, Path privateKeyFile) {
    ECPublicKey publicKey = (ECPublicKey) keys.keyPair().getPublic();
    this.kid = SigningKeyFiles.thumbprint(publicKey);
    this.clock = clock;
    this.privateKeyFile = privateKeyFile;
    String[] xy = SigningKeyFiles.coordinates(publicKey);
    this.publicJwk =
        new JsonObject()
            .put("kty", "EC")
            .put("crv", "P-256")
            .put("x", xy[0])
            .put("y", xy[1])
            .put("kid", kid)
            .put("alg", ALGORITHM)
            .put("use", "sig");
    this.signer =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm(ALGORITHM)
                        .setId(kid)
                        .setBuffer(keys.privatePem())));
  }

  /**
   * Loads the key pair from {@code dataDir/keys/dev-signing-key.pem} (PKCS#8 PEM) and {@code
   * dev-signing-key.pub.pem}, or generates and writes them on first start (the private key file
   * readable by its owner only where the file system has POSIX permissions).
   *
   * <p><b>Blocking</b> (file I/O, key generation): call it at start-up or from {@code
   * executeBlocking}, never on an event loop.
   *
   * @throws java.io.UncheckedIOException when the files cannot be read or written
   * @throws IllegalStateException when the files exist but are not a matching P-256 pair
   */
  public static DevelopmentIssuer loadOrCreate(Vertx vertx, Path dataDir) {
    return loadOrCreate(vertx, dataDir, Clock.systemUTC());
  }

  /** As {@link #loadOrCreate(Vertx, Path)}, reading time from {@code clock} (tests, replays). */
  public static DevelopmentIssuer loadOrCreate(Vertx vertx, Path dataDir, Clock clock) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(clock, "clock");
    Path keysDir = dataDir.resolve("keys");
    SigningKeyFiles.Loaded keys = SigningKeyFiles.loadOrCreate(keysDir);
    return new DevelopmentIssuer(
        vertx, keys, clock, keysDir.resolve(SigningKeyFiles.PRIVATE_KEY_FILE));
  }

  /**
   * Mints a signed JWT: header {@code alg=ES256}, {@code kid}; claims {@code iss=busbar-dev},
   * {@code sub}, {@code tenant}, {@code roles} (left out when empty), {@code iat}, {@code exp} =
   * {@code iat + ttl}, {@code jti} a random UUID.
   */
  public String mint(TokenRequest request) {
    JsonObject claims = request.claims(clock.millis() / 1000);
    // exp and iat come from our clock, so vertx must not add its own (expiresInSeconds stays 0)
    return signer.generateToken(claims, new JWTOptions().setAlgorithm(ALGORITHM).setIssuer(ISSUER));
  }

  /** The public key as a JWKS document (RFC 7517 §5), for {@code /.well-known/jwks.json}. */
  public JsonObject jwks() {
    return new JsonObject().put("keys", new JsonArray().add(publicJwk.copy()));
  }

  /** The key id: the RFC 7638 SHA-256 thumbprint of the public key, base64url. */
  public String kid() {
    return kid;
  }

  /** Where the private key lives, for log lines at start-up. */
  public Path privateKeyFile() {
    return privateKeyFile;
  }

  /**
   * This issuer as one of the issuers of a {@link MultiIssuerAuthenticator}: ES256 only, its public
   * key as the only static key, the tenant from the {@code tenant} claim, {@code aud} not checked,
   * lifetimes up to {@link TokenRequest#MAX_TTL}, {@link #DEFAULT_CLOCK_SKEW}.
   */
  public IssuerConfig issuerConfig() {
    return issuerConfig(DEFAULT_CLOCK_SKEW);
  }

  private IssuerConfig issuerConfig(Duration clockSkew) {
    return IssuerConfig.builder(ISSUER)
        .algorithms(Set.of(JwsAlgorithm.ES256))
        .staticKeys(List.of(JsonWebKeys.parse(publicJwk)))
        .clockSkew(clockSkew)
        .maxLifetime(TokenRequest.MAX_TTL)
        .build();
  }

  /** An authenticator of this issuer's tokens with {@link #DEFAULT_CLOCK_SKEW}. */
  public TokenAuthenticator authenticator() {
    return authenticator(DEFAULT_CLOCK_SKEW);
  }

  /**
   * An authenticator of this issuer's tokens only: a {@link MultiIssuerAuthenticator} with this one
   * issuer ({@link #issuerConfig()} with {@code clockSkew}), no revocation list, this issuer's
   * clock.
   *
   * @throws IllegalArgumentException when {@code clockSkew} is negative or over 10 minutes
   */
  public TokenAuthenticator authenticator(Duration clockSkew) {
    IssuerConfig config = issuerConfig(clockSkew);
    return new MultiIssuerAuthenticator(
        Map.of(config, new StaticKeySource(config.staticKeys())), null, clock);
  }
}
