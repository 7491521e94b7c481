package io.busbar.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
@Timeout(30)
class DevelopmentIssuerTest {

  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  @TempDir static Path dataDir;
  @TempDir static Path otherDataDir;

  private static DevelopmentIssuer issuer;
  private static TokenAuthenticator authenticator;

  /** Signs arbitrary claims with the issuer's own private key, to build odd but genuine tokens. */
  private static JWTAuth rawSigner;

  @BeforeAll
  static void startIssuer(Vertx vertx) throws Exception {
    issuer = DevelopmentIssuer.loadOrCreate(vertx, dataDir);
    authenticator = issuer.authenticator();
    String privatePem = Files.readString(dataDir.resolve("keys/dev-signing-key.pem"));
    rawSigner =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm("ES256")
                        .setId(issuer.kid())
                        .setBuffer(privatePem)));
  }

  /** Verifies that a first start writes a PKCS#8 private key (owner-only) and its public key. */
  @Test
  void firstStartWritesKeyFiles() throws Exception {
    Path privateFile = dataDir.resolve("keys/dev-signing-key.pem");
    assertThat(issuer.privateKeyFile()).isEqualTo(privateFile);
    assertThat(Files.readString(privateFile)).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(Files.readString(dataDir.resolve("keys/dev-signing-key.pub.pem")))
        .startsWith("-----BEGIN PUBLIC KEY-----\n");
    if (privateFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(Files.getPosixFilePermissions(privateFile))
          .containsExactlyInAnyOrder(
              PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
  }

  /** Verifies that reloading the key gives the same kid and still accepts earlier tokens. */
  @Test
  void reloadedKeyKeepsKidAndAcceptsOldTokens(Vertx vertx) {
    String token = issuer.mint(TokenRequest.device("press-7", "acme", Duration.ofHours(1)));

    DevelopmentIssuer reloaded = DevelopmentIssuer.loadOrCreate(vertx, dataDir);

    assertThat(reloaded.kid()).isEqualTo(issuer.kid());
    assertThat(reloaded.jwks()).isEqualTo(issuer.jwks());
    assertThat(principal(reloaded.authenticator().authenticate(token)).subject())
        .isEqualTo("press-7");
  }

  /** Verifies that a minted device token comes back as the same principal. */
  @Test
  void deviceTokenRoundTrips() {
    long before = System.currentTimeMillis();
    String token = issuer.mint(TokenRequest.device("press-7", "acme", Duration.ofHours(1)));

    Principal principal = principal(authenticator.authenticate(token));

    assertThat(principal.subject()).isEqualTo("press-7");
    assertThat(principal.tenant()).isEqualTo("acme");
    assertThat(principal.roles()).isEmpty();
    assertThat(principal.expiresAt())
        .isBetween(before + 3_599_000, System.currentTimeMillis() + 3_600_000)
        .isEqualTo(principal.expiresAt() / 1000 * 1000);
    assertThat(principal.tokenId()).matches("[0-9a-f-]{36}");
  }

  /** Verifies that header and claims follow the brief: ES256, kid, iss, roles only when set. */
  @Test
  void mintedTokenHasExpectedHeaderAndClaims() {
    String device = issuer.mint(TokenRequest.device("d1", null, Duration.ofMinutes(5)));
    String app = issuer.mint(TokenRequest.application("mes", "acme", Duration.ofMinutes(5)));

    JsonObject header = part(device, 0);
    JsonObject deviceClaims = part(device, 1);
    JsonObject appClaims = part(app, 1);

    assertThat(header.getString("alg")).isEqualTo("ES256");
    assertThat(header.getString("kid")).isEqualTo(issuer.kid());
    assertThat(deviceClaims.getString("iss")).isEqualTo("busbar-dev");
    assertThat(deviceClaims.getString("tenant")).isEqualTo("default");
    assertThat(deviceClaims.containsKey("roles")).isFalse();
    assertThat(deviceClaims.getLong("exp") - deviceClaims.getLong("iat")).isEqualTo(300);
    assertThat(appClaims.getJsonArray("roles")).isEqualTo(new JsonArray().add("app"));
    assertThat(appClaims.getString("jti")).isNotEqualTo(deviceClaims.getString("jti"));
  }

  /** Verifies that an application token carries its roles into the principal. */
  @Test
  void applicationTokenCarriesRoles() {
    String token =
        issuer.mint(new TokenRequest("mes", "acme", Set.of("app", "ops"), Duration.ofMinutes(5)));

    Principal principal = principal(authenticator.authenticate(token));

    assertThat(principal.roles()).containsExactlyInAnyOrder("app", "ops");
    assertThat(principal.hasRole(Principal.ROLE_APP)).isTrue();
  }

  /** Verifies that a token without a tenant claim falls in the default tenant. */
  @Test
  void missingTenantMeansDefault() {
    String token = raw(new JsonObject().put("sub", "d1").put("iss", "busbar-dev"), 60);

    assertThat(principal(authenticator.authenticate(token)).tenant()).isEqualTo("default");
  }

  /** Verifies that a token past its exp is refused as EXPIRED, not as a bad signature. */
  @Test
  void expiredTokenIsExpired(Vertx vertx) {
    DevelopmentIssuer yesterday =
        DevelopmentIssuer.loadOrCreate(vertx, dataDir, clockAt(Instant.now().minusSeconds(7200)));
    String token = yesterday.mint(TokenRequest.device("d1", null, Duration.ofHours(1)));

    assertRefused(authenticator.authenticate(token), Reason.EXPIRED);
  }

  /** Verifies that the clock skew tolerates a token that expired a moment ago. */
  @Test
  void clockSkewToleratesJustExpiredToken(Vertx vertx) {
    DevelopmentIssuer earlier =
        DevelopmentIssuer.loadOrCreate(vertx, dataDir, clockAt(Instant.now().minusSeconds(62)));
    String token = earlier.mint(TokenRequest.device("d1", null, Duration.ofSeconds(60)));

    assertThat(principal(issuer.authenticator(Duration.ofSeconds(30)).authenticate(token)))
        .isNotNull();
    assertRefused(issuer.authenticator(Duration.ZERO).authenticate(token), Reason.EXPIRED);
  }

  /** Verifies that a token issued in the future (iat) is NOT_YET_VALID. */
  @Test
  void tokenIssuedInTheFutureIsNotYetValid(Vertx vertx) {
    DevelopmentIssuer tomorrow =
        DevelopmentIssuer.loadOrCreate(vertx, dataDir, clockAt(Instant.now().plusSeconds(3600)));
    String token = tomorrow.mint(TokenRequest.device("d1", null, Duration.ofHours(1)));

    assertRefused(authenticator.authenticate(token), Reason.NOT_YET_VALID);
  }

  /** Verifies that a token whose nbf is in the future is NOT_YET_VALID. */
  @Test
  void tokenBeforeNbfIsNotYetValid() {
    long now = System.currentTimeMillis() / 1000;
    String token =
        raw(new JsonObject().put("sub", "d1").put("iss", "busbar-dev").put("nbf", now + 600), 3600);

    assertRefused(authenticator.authenticate(token), Reason.NOT_YET_VALID);
  }

  /**
   * Verifies that a token of another node's development key is an UNKNOWN_KEY: its kid names a key
   * this node does not have (the same answer as any issuer's with a kid missing from its keys).
   */
  @Test
  void tokenOfAnotherIssuerIsUnknownKey(Vertx vertx) {
    DevelopmentIssuer other = DevelopmentIssuer.loadOrCreate(vertx, otherDataDir);
    String token = other.mint(TokenRequest.device("d1", null, Duration.ofHours(1)));

    assertThat(other.kid()).isNotEqualTo(issuer.kid());
    assertRefused(authenticator.authenticate(token), Reason.UNKNOWN_KEY);
  }

  /** Verifies that a token of another key relabelled with our kid is a BAD_SIGNATURE. */
  @Test
  void foreignTokenWithOurKidIsBadSignature(Vertx vertx) throws Exception {
    DevelopmentIssuer other = DevelopmentIssuer.loadOrCreate(vertx, otherDataDir);
    JWTAuth relabelled =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm("ES256")
                        .setId(issuer.kid())
                        .setBuffer(Files.readString(other.privateKeyFile()))));
    String token =
        relabelled.generateToken(
            new JsonObject().put("sub", "d1"),
            new JWTOptions().setAlgorithm("ES256").setIssuer("busbar-dev").setExpiresInSeconds(60));

    assertRefused(authenticator.authenticate(token), Reason.BAD_SIGNATURE);
  }

  /** Verifies that changing the payload of a genuine token breaks its signature. */
  @Test
  void tamperedPayloadIsBadSignature() {
    String[] parts =
        issuer.mint(TokenRequest.device("d1", "acme", Duration.ofHours(1))).split("\\.");
    JsonObject claims = part(String.join(".", parts), 1).put("sub", "d2");
    String forged = parts[0] + "." + b64(claims.encode()) + "." + parts[2];

    assertRefused(authenticator.authenticate(forged), Reason.BAD_SIGNATURE);
  }

  /** Verifies that a genuine signature over a foreign or missing issuer claim is refused. */
  @Test
  void wrongIssuerIsRefused() {
    String token = raw(new JsonObject().put("sub", "d1").put("iss", "someone-else"), 60);
    String noIssuer = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"; // {}: neither iss nor sub

    assertRefused(authenticator.authenticate(token), Reason.UNTRUSTED_ISSUER);
    assertRefused(authenticator.authenticate(noIssuer), Reason.UNTRUSTED_ISSUER);
  }

  /** Verifies that null and empty tokens are MISSING_TOKEN. */
  @Test
  void missingTokenIsMissing() {
    assertRefused(authenticator.authenticate(null), Reason.MISSING_TOKEN);
    assertRefused(authenticator.authenticate(""), Reason.MISSING_TOKEN);
  }

  /** Verifies that strings which are not a JWS are MALFORMED. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "garbage",
        "a.b.c",
        "a.b",
        "a.b.c.d",
        "..",
        "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln", // payload "not json"
        "WzEsMl0.e30.c2ln", // header is a JSON array
        "bnVsbA.e30.c2ln", // header is JSON null
        "eyJhbGciOiJFUzI1NiJ9.NDI.c2ln", // payload is the number 42
        "eyJhbGciOiJFUzI1NiJ9.IiI.c2ln", // payload is an empty JSON string
        "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkMSJ9.!!!" // signature not base64url
      })
  void notAJwsIsMalformed(String token) {
    assertRefused(authenticator.authenticate(token), Reason.MALFORMED);
  }

  /** Verifies that a token of absurd length is MALFORMED without being decoded. */
  @Test
  void hugeTokenIsMalformed() {
    String huge = "a".repeat(IssuerConfig.DEFAULT_MAX_TOKEN_SIZE + 1);

    assertRefused(authenticator.authenticate(huge), Reason.MALFORMED);
  }

  /** Verifies that claims of the wrong type are MALFORMED even when genuinely signed. */
  @Test
  void badClaimTypesAreMalformed() {
    assertRefused(
        authenticator.authenticate(
            raw(
                new JsonObject().put("sub", "d1").put("iss", "busbar-dev").put("roles", "app"),
                60)),
        Reason.MALFORMED);
    assertRefused(
        authenticator.authenticate(
            raw(new JsonObject().put("sub", "d1").put("iss", "busbar-dev").put("nbf", "soon"), 60)),
        Reason.MALFORMED);
    assertRefused(
        authenticator.authenticate(
            raw(new JsonObject().put("sub", 42).put("iss", "busbar-dev"), 60)),
        Reason.MALFORMED);
  }

  /** Verifies that an unsigned token (alg none, RFC 7519 §6) is refused. */
  @Test
  void algNoneIsRefused() {
    long now = System.currentTimeMillis() / 1000;
    String claims =
        new JsonObject()
            .put("sub", "d1")
            .put("iss", "busbar-dev")
            .put("iat", now)
            .put("exp", now + 600)
            .encode();
    String unsigned = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(claims) + ".";
    String noneWithKid =
        b64("{\"alg\":\"none\",\"kid\":\"" + issuer.kid() + "\"}") + "." + b64(claims) + ".";

    assertRefused(authenticator.authenticate(unsigned), Reason.BAD_SIGNATURE);
    assertRefused(authenticator.authenticate(noneWithKid), Reason.BAD_SIGNATURE);
    assertRefused(authenticator.authenticate(unsigned + "c2ln"), Reason.BAD_SIGNATURE);
  }

  /** Verifies that the HS256 key-confusion attack (public key as HMAC secret) is refused. */
  @Test
  void hmacSignedWithPublicKeyIsRefused(Vertx vertx) throws Exception {
    String publicPem = Files.readString(dataDir.resolve("keys/dev-signing-key.pub.pem"));
    JWTAuth confused =
        JWTAuth.create(
            vertx,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm("HS256")
                        .setId(issuer.kid())
                        .setBuffer(publicPem)));
    String token =
        confused.generateToken(
            new JsonObject().put("sub", "d1").put("tenant", "acme"),
            new JWTOptions().setAlgorithm("HS256").setIssuer("busbar-dev").setExpiresInSeconds(60));

    assertThat(part(token, 0).getString("alg")).isEqualTo("HS256");
    assertRefused(authenticator.authenticate(token), Reason.BAD_SIGNATURE);
  }

  /** Verifies that the JWKS holds only public material and is usable by a standard verifier. */
  @Test
  void jwksIsPublicAndVerifiesTokens(Vertx vertx, VertxTestContext ctx) {
    JsonObject jwks = issuer.jwks();
    JsonArray keys = jwks.getJsonArray("keys");
    JsonObject key = keys.getJsonObject(0);

    assertThat(keys).hasSize(1);
    assertThat(key.fieldNames())
        .containsExactlyInAnyOrder("kty", "crv", "x", "y", "kid", "alg", "use");
    assertThat(key.containsKey("d")).isFalse();
    assertThat(key.getString("kty")).isEqualTo("EC");
    assertThat(key.getString("crv")).isEqualTo("P-256");
    assertThat(key.getString("alg")).isEqualTo("ES256");
    assertThat(key.getString("use")).isEqualTo("sig");
    assertThat(key.getString("kid")).isEqualTo(issuer.kid());
    assertThat(Base64.getUrlDecoder().decode(key.getString("x"))).hasSize(32);
    assertThat(Base64.getUrlDecoder().decode(key.getString("y"))).hasSize(32);
    issuer.jwks().getJsonArray("keys").getJsonObject(0).put("d", "mutated copy");
    assertThat(issuer.jwks().getJsonArray("keys").getJsonObject(0).containsKey("d")).isFalse();

    // a relying party that only knows the JWKS accepts our tokens (x, y, kid are right)
    JWTAuth relyingParty = JWTAuth.create(vertx, new JWTAuthOptions().addJwk(key));
    String token = issuer.mint(TokenRequest.device("d1", "acme", Duration.ofMinutes(5)));
    relyingParty
        .authenticate(new TokenCredentials(token))
        .onComplete(
            ctx.succeeding(
                user ->
                    ctx.verify(
                        () -> {
                          assertThat(user.principal().getString("sub")).isEqualTo("d1");
                          ctx.completeNow();
                        })));
  }

  /** Verifies that the authentication future completes on the caller's context. */
  @Test
  void completesOnCallersContext(Vertx vertx, VertxTestContext ctx) {
    String token = issuer.mint(TokenRequest.device("d1", "acme", Duration.ofMinutes(5)));
    Context context = vertx.getOrCreateContext();
    context.runOnContext(
        v ->
            authenticator
                .authenticate(token)
                .onComplete(
                    ctx.succeeding(
                        principal ->
                            ctx.verify(
                                () -> {
                                  assertThat(Vertx.currentContext()).isSameAs(context);
                                  assertThat(Context.isOnEventLoopThread()).isTrue();
                                  ctx.completeNow();
                                }))));
  }

  /** Verifies that a negative clock skew is refused up front. */
  @Test
  void negativeSkewIsRefused() {
    assertThatThrownBy(() -> issuer.authenticator(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Verifies that unusable key files fail loading with a message naming them. */
  @Test
  void corruptKeyFileFailsLoading(Vertx vertx, @TempDir Path dir) throws Exception {
    DevelopmentIssuer.loadOrCreate(vertx, dir);
    Files.writeString(dir.resolve("keys/dev-signing-key.pem"), "not a key");

    assertThatThrownBy(() -> DevelopmentIssuer.loadOrCreate(vertx, dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dev-signing-key.pem");
  }

  /** Verifies that a public key file from another pair is detected on load. */
  @Test
  void mismatchedPublicKeyFailsLoading(Vertx vertx, @TempDir Path dir) throws Exception {
    DevelopmentIssuer.loadOrCreate(vertx, dir);
    Files.copy(
        otherDataDirPublicKey(vertx),
        dir.resolve("keys/dev-signing-key.pub.pem"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThatThrownBy(() -> DevelopmentIssuer.loadOrCreate(vertx, dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dev-signing-key");
  }

  private static Path otherDataDirPublicKey(Vertx vertx) {
    DevelopmentIssuer.loadOrCreate(vertx, otherDataDir);
    return otherDataDir.resolve("keys/dev-signing-key.pub.pem");
  }

  /** Signs {@code claims} with the issuer's key, adding iat and exp = now + ttlSeconds. */
  private static String raw(JsonObject claims, int ttlSeconds) {
    return rawSigner.generateToken(
        claims, new JWTOptions().setAlgorithm("ES256").setExpiresInSeconds(ttlSeconds));
  }

  private static Clock clockAt(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }

  private static JsonObject part(String token, int index) {
    return new JsonObject(
        new String(
            Base64.getUrlDecoder().decode(token.split("\\.")[index]), StandardCharsets.UTF_8));
  }

  private static String b64(String json) {
    return B64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** The futures are complete on return (non-blocking CPU work), so they can be read directly. */
  private static Principal principal(Future<Principal> future) {
    assertThat(future.isComplete()).as("completed on return").isTrue();
    if (future.failed()) {
      throw new AssertionError("token refused", future.cause());
    }
    return future.result();
  }

  private static void assertRefused(Future<Principal> future, Reason reason) {
    assertThat(future.isComplete()).as("completed on return").isTrue();
    assertThat(future.failed()).as("refused").isTrue();
    assertThat(future.cause())
        .isInstanceOfSatisfying(
            AuthenticationException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
