package io.busbar.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.busbar.security.revocation.RevocationList;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attack suite against the multi-issuer authenticator with real keys of every algorithm: each
 * forged, stale, misdirected or oversized token is refused with its precise reason and a public
 * message that leaks nothing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(20)
class MultiIssuerAuthenticatorTest {

  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  private static final long NOW_S = NOW.getEpochSecond();
  private static final String ISS = "https://idp.example.com/realms/acme";
  private static final String AUD = "busbar";

  private static final Map<JwsAlgorithm, TestKeys> KEYS = new LinkedHashMap<>();
  private static TestKeys stranger;
  private static TestKeys boundKeys;
  private static RevocationList revocations;
  private static DevelopmentIssuer dev;
  private static MultiIssuerAuthenticator authenticator;

  @BeforeAll
  static void setUp(Vertx vertx, @TempDir Path dataDir) {
    for (JwsAlgorithm alg : JwsAlgorithm.values()) {
      KEYS.put(alg, TestKeys.generate(alg, "key-" + alg));
    }
    stranger = TestKeys.generate(JwsAlgorithm.ES256, "key-ES256"); // same kid, other key
    boundKeys = TestKeys.generate(JwsAlgorithm.ES256, "bound-1");
    IssuerConfig acme =
        IssuerConfig.builder(ISS)
            .audiences(Set.of(AUD))
            .staticKeys(KEYS.values().stream().map(k -> JsonWebKeys.parse(k.jwk())).toList())
            .rolesClaim("realm_access.roles")
            .build();
    IssuerConfig bound =
        IssuerConfig.builder("https://plant-7.example.com")
            .algorithms(Set.of(JwsAlgorithm.ES256))
            .staticKeys(List.of(JsonWebKeys.parsePem(boundKeys.publicPem(), "bound-1")))
            .tenant("plant-7")
            .build();
    dev = DevelopmentIssuer.loadOrCreate(vertx, dataDir, clock());
    revocations = new RevocationList(clock());
    authenticator =
        new MultiIssuerAuthenticator(
            vertx, List.of(acme, bound, dev.issuerConfig()), revocations, clock());
    authenticator.start().await();
  }

  private static Clock clock() {
    return Clock.fixed(NOW, ZoneOffset.UTC);
  }

  private static JsonObject claims(String sub) {
    return new JsonObject()
        .put("iss", ISS)
        .put("aud", AUD)
        .put("sub", sub)
        .put("tenant", "acme")
        .put("iat", NOW_S)
        .put("exp", NOW_S + 600)
        .put("jti", "jti-" + sub);
  }

  /** Verifies that a genuine token of every accepted algorithm is accepted with its claims. */
  @ParameterizedTest
  @EnumSource(JwsAlgorithm.class)
  void genuineTokenOfEveryAlgorithmIsAccepted(JwsAlgorithm alg) {
    JsonObject claims =
        claims("d-" + alg)
            .put("realm_access", new JsonObject().put("roles", new JsonArray().add("operator")))
            .put("amr", new JsonArray().add("pwd").add("otp"))
            .put("acr", "urn:mfa")
            .put("sparkplug_group", "line-1")
            .put("sparkplug_edge_node", "press-4");

    Principal p = accepted(KEYS.get(alg).sign(claims));

    assertThat(p.subject()).isEqualTo("d-" + alg);
    assertThat(p.tenant()).isEqualTo("acme");
    assertThat(p.roles()).containsExactly("operator");
    assertThat(p.expiresAt()).isEqualTo((NOW_S + 600) * 1000);
    assertThat(p.tokenId()).isEqualTo("jti-d-" + alg);
    assertThat(p.issuer()).isEqualTo(ISS);
    assertThat(p.authMethods()).containsExactlyInAnyOrder("pwd", "otp");
    assertThat(p.attribute(Principal.ACR)).isEqualTo("urn:mfa");
    assertThat(p.attribute(Principal.SPARKPLUG_GROUP)).isEqualTo("line-1");
    assertThat(p.attribute(Principal.SPARKPLUG_EDGE_NODE)).isEqualTo("press-4");
  }

  /** Verifies that the development issuer stays one of the issuers. */
  @Test
  void developmentTokensAreAccepted() {
    Principal p = accepted(dev.mint(TokenRequest.device("press-1", "acme", Duration.ofHours(1))));

    assertThat(p.subject()).isEqualTo("press-1");
    assertThat(p.issuer()).isEqualTo(DevelopmentIssuer.ISSUER);
  }

  /** Verifies that an audience in an array is accepted, and a wrong one is refused. */
  @Test
  void audienceIsChecked() {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);
    accepted(k.sign(claims("d1").put("aud", new JsonArray().add("other").add(AUD))));

    refused(k.sign(claims("d1").put("aud", "someone-else")), Reason.WRONG_AUDIENCE);
    refused(k.sign(claims("d1").put("aud", new JsonArray().add("x"))), Reason.WRONG_AUDIENCE);
    JsonObject noAud = claims("d1");
    noAud.remove("aud");
    refused(k.sign(noAud), Reason.WRONG_AUDIENCE);
  }

  /** Verifies that alg none (RFC 7519 §6) is refused, with or without a signature part. */
  @Test
  void algNoneIsRefused() {
    String header = TestKeys.b64("{\"alg\":\"none\",\"kid\":\"key-ES256\"}");
    String payload = TestKeys.b64(claims("d1").encode());

    refused(header + "." + payload + ".", Reason.BAD_SIGNATURE);
    refused(header + "." + payload + ".c2ln", Reason.BAD_SIGNATURE);
  }

  /** Verifies that HS256 keyed with the issuer's public key (RFC 8725 §2.1) is refused. */
  @ParameterizedTest
  @ValueSource(strings = {"HS256", "HS384", "HS512"})
  void hmacWithPublicKeyIsRefused(String hmac) throws Exception {
    TestKeys rsa = KEYS.get(JwsAlgorithm.RS256);
    String input =
        TestKeys.b64(new JsonObject().put("alg", hmac).put("kid", rsa.kid).encode())
            + "."
            + TestKeys.b64(claims("d1").encode());
    String javaName = "Hmac" + hmac.replace("HS", "SHA");
    Mac mac = Mac.getInstance(javaName);
    mac.init(new SecretKeySpec(rsa.publicPem().getBytes(StandardCharsets.US_ASCII), javaName));
    String token =
        input
            + "."
            + TestKeys.B64URL.encodeToString(
                mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));

    refused(token, Reason.BAD_SIGNATURE);
  }

  /** Verifies that an RSA key is never used for an ES256 header (algorithm/key confusion). */
  @Test
  void algorithmKeyConfusionIsRefused() {
    TestKeys es = KEYS.get(JwsAlgorithm.ES256);
    // ES256 header naming the RSA key's kid, signed with the EC key
    String token =
        es.sign(new JsonObject().put("alg", "ES256").put("kid", "key-RS256"), claims("d1"));
    refused(token, Reason.UNKNOWN_KEY);
    // PS256 signature presented as RS256 on the same RSA key
    TestKeys ps = KEYS.get(JwsAlgorithm.PS256);
    refused(
        ps.sign(new JsonObject().put("alg", "RS256").put("kid", "key-PS256"), claims("d1")),
        Reason.UNKNOWN_KEY);
  }

  /** Verifies that an algorithm off the issuer's allow-list is refused even with a fitting key. */
  @Test
  void algorithmOffTheAllowListIsRefused() {
    TestKeys rsa = TestKeys.generate(JwsAlgorithm.RS256, "bound-1");
    JsonObject claims = claims("d1").put("iss", "https://plant-7.example.com");

    refused(rsa.sign(claims), Reason.BAD_SIGNATURE);
  }

  /** Verifies that expired and not-yet-valid tokens are refused, inside the skew accepted. */
  @Test
  void validityWindowIsChecked() {
    TestKeys k = KEYS.get(JwsAlgorithm.EdDSA);

    refused(k.sign(claims("d1").put("iat", NOW_S - 700).put("exp", NOW_S - 31)), Reason.EXPIRED);
    accepted(k.sign(claims("d1").put("iat", NOW_S - 700).put("exp", NOW_S - 29)));
    refused(k.sign(claims("d1").put("nbf", NOW_S + 31)), Reason.NOT_YET_VALID);
    accepted(k.sign(claims("d1").put("nbf", NOW_S + 29)));
    refused(k.sign(claims("d1").put("iat", NOW_S + 120)), Reason.NOT_YET_VALID);
  }

  /** Verifies that a token without exp, or living longer than allowed, is refused. */
  @Test
  void lifetimeIsBounded() {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);
    JsonObject noExp = claims("d1");
    noExp.remove("exp");

    refused(k.sign(noExp), Reason.LIFETIME_EXCEEDED);
    refused(k.sign(claims("d1").put("exp", NOW_S + 25 * 3600)), Reason.LIFETIME_EXCEEDED);
    JsonObject noIat = claims("d1").put("exp", NOW_S + 25 * 3600);
    noIat.remove("iat");
    refused(k.sign(noIat), Reason.LIFETIME_EXCEEDED);
  }

  /** Verifies that an unconfigured or missing iss is refused before any key is looked at. */
  @Test
  void untrustedIssuerIsRefused() {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);
    JsonObject noIss = claims("d1");
    noIss.remove("iss");

    refused(k.sign(claims("d1").put("iss", "https://evil.example.com")), Reason.UNTRUSTED_ISSUER);
    refused(k.sign(noIss), Reason.UNTRUSTED_ISSUER);
    refused(k.sign(claims("d1").put("iss", 42)), Reason.UNTRUSTED_ISSUER);
  }

  /** Verifies that unknown key ids, including path and SQL characters, are refused. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "no-such-key",
        "../../etc/passwd",
        "' OR '1'='1",
        "key-ES256; DROP TABLE keys;--",
        "http://evil.example.com/jwks.json",
        "key-ES256\u0000"
      })
  void unknownKidIsRefused(String kid) {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);
    String token = k.sign(new JsonObject().put("alg", "ES256").put("kid", kid), claims("d1"));

    AuthenticationException e = refused(token, Reason.UNKNOWN_KEY);
    assertThat(e.publicMessage()).doesNotContain(kid);
  }

  /** Verifies that a kid that is not a short string is MALFORMED. */
  @Test
  void badKidIsMalformed() {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);

    refused(
        k.sign(new JsonObject().put("alg", "ES256").put("kid", 7), claims("d1")), Reason.MALFORMED);
    refused(
        k.sign(new JsonObject().put("alg", "ES256").put("kid", "k".repeat(300)), claims("d1")),
        Reason.MALFORMED);
  }

  /** Verifies that a genuine token with the kid of another key of the same type fails. */
  @Test
  void signatureOfAnotherKeyIsRefused() {
    refused(stranger.sign(claims("d1")), Reason.BAD_SIGNATURE);
  }

  /** Verifies that changing one claim of a genuine token breaks it. */
  @Test
  void tamperedPayloadIsRefused() {
    for (TestKeys k : KEYS.values()) {
      String[] parts = k.sign(claims("d1")).split("\\.");
      String forged =
          parts[0]
              + "."
              + TestKeys.b64(claims("d1").put("tenant", "globex").encode())
              + "."
              + parts[2];

      refused(forged, Reason.BAD_SIGNATURE);
    }
  }

  /** Verifies that oversized tokens are refused without being decoded. */
  @Test
  void oversizedTokenIsRefused() {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);
    String big = k.sign(claims("d1").put("padding", "x".repeat(9000)));

    refused(big, Reason.MALFORMED);
    refused("a".repeat(70_000), Reason.MALFORMED);
  }

  /** Verifies that an issuer bound to a tenant cannot speak for another tenant. */
  @Test
  void tenantBindingIsEnforced() {
    JsonObject claims = claims("d1").put("iss", "https://plant-7.example.com");
    claims.remove("tenant");
    assertThat(accepted(boundKeys.sign(claims)).tenant()).isEqualTo("plant-7");

    refused(boundKeys.sign(claims.copy().put("tenant", "acme")), Reason.TENANT_NOT_ALLOWED);
    accepted(boundKeys.sign(claims.copy().put("tenant", "plant-7")));
  }

  /** Verifies that revoked token ids and revoked devices are refused, and reinstating works. */
  @Test
  void revokedTokensAndDevicesAreRefused() {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);
    String token = k.sign(claims("rev-1"));
    accepted(token);

    revocations.revokeToken("jti-rev-1", (NOW_S + 600) * 1000);
    refused(token, Reason.REVOKED);
    refused(token, Reason.REVOKED); // also when the signature is remembered

    String device = k.sign(claims("rev-2"));
    revocations.revokeDevice("acme", "rev-2");
    refused(device, Reason.REVOKED);
    assertThat(revocations.reinstateDevice("acme", "rev-2")).isTrue();
    accepted(device);
    revocations.revokeDevice("globex", "rev-2"); // same id, other tenant: not this device
    accepted(device);
  }

  /** Verifies that claims of the wrong type are MALFORMED even when genuinely signed. */
  @Test
  void badClaimTypesAreMalformed() {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);

    refused(k.sign(claims("d1").put("sub", 42)), Reason.MALFORMED);
    refused(k.sign(claims("d1").put("sub", "")), Reason.MALFORMED);
    refused(k.sign(claims("d1").put("tenant", "")), Reason.MALFORMED);
    refused(k.sign(claims("d1").put("exp", "tomorrow")), Reason.MALFORMED);
    refused(k.sign(claims("d1").put("aud", 5)), Reason.MALFORMED);
    refused(k.sign(claims("d1").put("amr", "mfa")), Reason.MALFORMED);
    refused(
        k.sign(claims("d1").put("realm_access", new JsonObject().put("roles", "admin"))),
        Reason.MALFORMED);
    refused(k.sign(claims("d1").put("jti", 5)), Reason.MALFORMED);
  }

  /** Verifies that garbage is MALFORMED and an empty token is MISSING_TOKEN. */
  @ParameterizedTest
  @ValueSource(strings = {"garbage", "a.b.c", "a.b", "..", "e30.e30.!!!", "WzFd.e30.c2ln"})
  void garbageIsMalformed(String token) {
    refused(token, Reason.MALFORMED);
  }

  /** Verifies that null and empty tokens are MISSING_TOKEN. */
  @Test
  void missingTokenIsMissing() {
    refused(null, Reason.MISSING_TOKEN);
    refused("", Reason.MISSING_TOKEN);
  }

  /** Verifies that crit header extensions are refused (RFC 7515 §4.1.11). */
  @Test
  void critHeaderIsRefused() {
    TestKeys k = KEYS.get(JwsAlgorithm.ES256);
    JsonObject header =
        new JsonObject()
            .put("alg", "ES256")
            .put("kid", k.kid)
            .put("crit", new JsonArray().add("b64"));

    refused(k.sign(header, claims("d1")), Reason.MALFORMED);
  }

  /** Verifies that no public message repeats anything of the token or the configuration. */
  @Test
  void publicMessagesLeakNothing() {
    for (Reason reason : Reason.values()) {
      String text = new AuthenticationException(reason, "kid secret-kid of " + ISS).publicMessage();
      assertThat(text).doesNotContain("kid").doesNotContain(ISS).hasSizeLessThan(50);
    }
  }

  /** Verifies that configuration mistakes are named when the config is built. */
  @Test
  void badConfigIsNamed() {
    assertThatThrownBy(() -> IssuerConfig.builder("x").build())
        .hasMessageContaining("exactly one of static keys or a JWKS URL");
    assertThatThrownBy(
            () ->
                IssuerConfig.builder("x")
                    .jwksUrl(java.net.URI.create("file:///etc/jwks.json"))
                    .build())
        .hasMessageContaining("not http(s)");
    assertThatThrownBy(
            () ->
                IssuerConfig.builder("x")
                    .jwksUrl(java.net.URI.create("https://idp/jwks"))
                    .algorithms(EnumSet.noneOf(JwsAlgorithm.class))
                    .build())
        .hasMessageContaining("algorithms");
    assertThatThrownBy(
            () ->
                IssuerConfig.builder("x")
                    .jwksUrl(java.net.URI.create("https://idp/jwks"))
                    .maxTokenSize(10)
                    .build())
        .hasMessageContaining("maxTokenSize");
    assertThatThrownBy(
            () ->
                IssuerConfig.builder("x")
                    .jwksUrl(java.net.URI.create("https://idp/jwks"))
                    .clockSkew(Duration.ofSeconds(-1))
                    .build())
        .hasMessageContaining("clockSkew");
  }

  private static Principal accepted(String token) {
    Future<Principal> f = authenticator.authenticate(token);
    assertThat(f.isComplete()).as("static keys answer at once").isTrue();
    if (f.failed()) {
      throw new AssertionError("refused: " + f.cause(), f.cause());
    }
    return f.result();
  }

  private static AuthenticationException refused(String token, Reason reason) {
    Future<Principal> f = authenticator.authenticate(token);
    assertThat(f.isComplete()).as("static keys answer at once").isTrue();
    assertThat(f.failed()).as("refused").isTrue();
    assertThat(f.cause()).isInstanceOf(AuthenticationException.class);
    AuthenticationException e = (AuthenticationException) f.cause();
    assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
    return e;
  }
}
