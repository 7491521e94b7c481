package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.security.TokenAuthenticator;
import io.busbar.security.acl.BackendAccess;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.IssuerConfig;
import io.busbar.security.jwt.JsonWebKeys;
import io.busbar.security.jwt.MultiIssuerAuthenticator;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.security.revocation.RevocationList;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer authentication on the HTTP side with real tokens: the node's development issuer and an
 * OIDC-like issuer whose ES256 tokens carry roles and {@code amr}, over real HTTP and WebSocket
 * clients.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class HttpAuthTest {

  private static final String HOST = "127.0.0.1";
  private static final String OIDC = "https://login.example.com/acme";
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private static Vertx vertx;
  private static PrometheusMeterRegistry registry;
  private static DevelopmentIssuer dev;
  private static KeyPair oidcKey;
  private static HttpVerticle verticle;
  private static WebClient http;
  private static WebSocketClient ws;
  private static int port;
  private static final List<JsonObject> audit = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void deploy(Vertx shared, @TempDir Path dataDir) throws Exception {
    vertx = shared;
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    dev = DevelopmentIssuer.loadOrCreate(vertx, dataDir);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    oidcKey = generator.generateKeyPair();
    ECPublicKey pub = (ECPublicKey) oidcKey.getPublic();
    JsonObject jwk =
        new JsonObject()
            .put("kty", "EC")
            .put("crv", "P-256")
            .put("kid", "oidc-1")
            .put("x", coordinate(pub.getW().getAffineX()))
            .put("y", coordinate(pub.getW().getAffineY()));
    IssuerConfig oidc =
        IssuerConfig.builder(OIDC)
            .audiences(Set.of("busbar"))
            .staticKeys(List.of(JsonWebKeys.parse(jwk)))
            .build();
    TokenAuthenticator authenticator =
        new MultiIssuerAuthenticator(
            vertx, List.of(dev.issuerConfig(), oidc), new RevocationList(), Clock.systemUTC());
    verticle =
        new HttpVerticle(
            new HttpConfig(HOST, 0, "node-auth", true),
            dev.jwks(),
            registry,
            authenticator,
            new BackendAccess(BackendAccess.MfaPolicy.forAdmins()));
    vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
    port = verticle.actualPort();
    http = WebClient.create(vertx);
    ws = vertx.createWebSocketClient();
    vertx
        .eventBus()
        .<JsonArray>consumer(Addresses.DEVICES_QUERY, msg -> msg.reply(new JsonArray().add("d1")))
        .completion()
        .await(5, TimeUnit.SECONDS);
    vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.AUDIT, msg -> audit.add(msg.body()))
        .completion()
        .await(5, TimeUnit.SECONDS);
  }

  @AfterAll
  static void close() throws Exception {
    http.close();
    ws.close().await(5, TimeUnit.SECONDS);
  }

  /**
   * An OIDC-issuer token for {@code sub} with {@code roles} and {@code amr}, valid {@code ttl} s.
   */
  private static String oidcToken(String sub, List<String> roles, List<String> amr, long ttl)
      throws Exception {
    long now = System.currentTimeMillis() / 1000;
    JsonObject claims =
        new JsonObject()
            .put("iss", OIDC)
            .put("aud", "busbar")
            .put("sub", sub)
            .put("tenant", "acme")
            .put("iat", now - 5)
            .put("exp", now + ttl)
            .put("roles", new JsonArray(roles))
            .put("amr", new JsonArray(amr));
    String input =
        b64(new JsonObject().put("alg", "ES256").put("kid", "oidc-1").encode())
            + "."
            + b64(claims.encode());
    Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
    signer.initSign(oidcKey.getPrivate());
    signer.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + B64URL.encodeToString(signer.sign());
  }

  private static HttpResponse<Buffer> get(String path, String token) throws Exception {
    HttpRequest<Buffer> request = http.get(port, HOST, path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return request.send().await(10, TimeUnit.SECONDS);
  }

  /** Verifies that a request without a token is 401 with a bare Bearer challenge, and audited. */
  @Test
  void missingTokenIs401() throws Exception {
    HttpResponse<Buffer> res = get("/api/v1/devices", null);

    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"busbar\"");
    assertThat(res.getHeader("Content-Type")).isEqualTo(Problem.MEDIA_TYPE);
    assertThat(res.bodyAsJsonObject().getInteger("status")).isEqualTo(401);
    awaitAudit("MISSING_TOKEN");
  }

  /** Verifies that bad tokens are 401 invalid_token and the answer never echoes them. */
  @Test
  void badTokensAre401InvalidToken() throws Exception {
    String genuine = oidcToken("alice", List.of("viewer"), List.of(), 300);
    String[] parts = genuine.split("\\.");
    String tampered =
        parts[0]
            + "."
            + b64(new String(Base64.getUrlDecoder().decode(parts[1])).replace("alice", "mallory"))
            + "."
            + parts[2];
    String expired = oidcToken("alice", List.of("viewer"), List.of(), -120);
    for (String token : List.of("garbage", tampered, expired, "Zm9v.YmFy.YmF6")) {
      HttpResponse<Buffer> res = get("/api/v1/devices", token);

      assertThat(res.statusCode()).as(token).isEqualTo(401);
      assertThat(res.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
      assertThat(res.bodyAsString()).doesNotContain(token).doesNotContain("mallory");
    }
    HttpResponse<Buffer> basic =
        http.get(port, HOST, "/api/v1/devices")
            .putHeader("Authorization", "Basic YTpi")
            .send()
            .await();
    assertThat(basic.statusCode()).isEqualTo(401);
  }

  /** Verifies that a viewer reads the API, and the lowercase scheme is accepted. */
  @Test
  void viewerReads() throws Exception {
    String token = oidcToken("alice", List.of("viewer"), List.of(), 300);

    HttpResponse<Buffer> res = get("/api/v1/devices", token);
    HttpResponse<Buffer> lower =
        http.get(port, HOST, "/api/v1/devices")
            .putHeader("Authorization", "bearer " + token)
            .send()
            .await();

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonArray()).containsExactly("d1");
    assertThat(lower.statusCode()).isEqualTo(200);
  }

  /** Verifies that a device token (no role) and a viewer changing things are 403. */
  @Test
  void missingRoleIs403() throws Exception {
    String device = dev.mint(TokenRequest.device("press-1", "acme", Duration.ofMinutes(5)));
    String viewer = oidcToken("alice", List.of("viewer"), List.of(), 300);

    HttpResponse<Buffer> res = get("/api/v1/devices", device);
    HttpResponse<Buffer> post =
        http.post(port, HOST, "/api/v1/commands/press-1")
            .putHeader("Authorization", "Bearer " + viewer)
            .sendJsonObject(new JsonObject())
            .await(10, TimeUnit.SECONDS);

    assertThat(res.statusCode()).isEqualTo(403);
    assertThat(res.getHeader("WWW-Authenticate")).contains("insufficient_scope");
    assertThat(post.statusCode()).isEqualTo(403);
    awaitAudit("ROLE");
  }

  /** Verifies that admin actions need MFA in the token (RFC 9470 step-up challenge). */
  @Test
  void adminNeedsMfa() throws Exception {
    String noMfa = oidcToken("root", List.of("admin"), List.of("pwd"), 300);
    String mfa = oidcToken("root", List.of("admin"), List.of("pwd", "otp"), 300);

    HttpResponse<Buffer> refused = get("/api/v1/admin/audit", noMfa);
    HttpResponse<Buffer> passed = get("/api/v1/admin/audit", mfa);
    HttpResponse<Buffer> readWithoutMfa = get("/api/v1/devices", noMfa);

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.getHeader("WWW-Authenticate")).contains("insufficient_user_authentication");
    assertThat(passed.statusCode()).as("past auth, no such resource").isEqualTo(404);
    assertThat(readWithoutMfa.statusCode()).as("admin has no other role").isEqualTo(401);
  }

  /** Verifies that health, metrics and the JWKS stay open, and denials are counted. */
  @Test
  void operationalEndpointsStayOpen() throws Exception {
    get("/api/v1/state", null);

    assertThat(get("/health", null).statusCode()).isEqualTo(200);
    assertThat(get("/.well-known/jwks.json", null).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> metrics = get("/metrics", null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.bodyAsString())
        .contains("busbar_http_auth_denied_total{reason=\"missing_token\"}");
  }

  /** Verifies that /ws refuses an upgrade without a token and accepts access_token. */
  @Test
  void webSocketNeedsToken() throws Exception {
    Throwable refused =
        ws.connect(port, HOST, "/ws")
            .map(s -> (Throwable) null)
            .otherwise(e -> e)
            .await(10, TimeUnit.SECONDS);
    assertThat(refused).isNotNull().hasMessageContaining("401");

    String token = oidcToken("alice", List.of("viewer"), List.of(), 300);
    WebSocket socket =
        ws.connect(
                new WebSocketConnectOptions()
                    .setHost(HOST)
                    .setPort(port)
                    .setURI("/ws?access_token=" + token))
            .await(10, TimeUnit.SECONDS);
    assertThat(socket.isClosed()).isFalse();
    socket.close().await(5, TimeUnit.SECONDS);
  }

  /** Verifies that a /ws socket is closed with 1008 when its token expires. */
  @Test
  void webSocketClosedAtExpiry() throws Exception {
    String token = oidcToken("alice", List.of("viewer"), List.of(), 2);
    WebSocket socket =
        ws.connect(
                new WebSocketConnectOptions()
                    .setHost(HOST)
                    .setPort(port)
                    .setURI("/ws")
                    .addHeader("Authorization", "Bearer " + token))
            .await(10, TimeUnit.SECONDS);
    io.vertx.core.Promise<Short> closed = io.vertx.core.Promise.promise();
    socket.closeHandler(v -> closed.tryComplete(socket.closeStatusCode()));

    assertThat(closed.future().await(10, TimeUnit.SECONDS)).isEqualTo((short) 1008);
  }

  /** Verifies that requiring auth without an authenticator fails the deployment. */
  @Test
  void requireAuthWithoutAuthenticatorFails() {
    HttpVerticle broken =
        new HttpVerticle(new HttpConfig(HOST, 0, "n", true), new JsonObject(), registry);

    Throwable failure =
        vertx.deployVerticle(broken).map(id -> (Throwable) null).otherwise(e -> e).await();
    assertThat(failure)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("requireAuth");
  }

  private static void awaitAudit(String reason) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline) {
      for (JsonObject event : audit) {
        if (reason.equals(event.getString("reason"))) {
          assertThat(event.getString("action")).isEqualTo("HTTP_DENIED");
          assertThat(event.getString("decision")).isEqualTo("DENY");
          assertThat(event.getString("source")).isEqualTo("127.0.0.1");
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no audit event with reason " + reason + " in " + audit);
  }

  private static String b64(String text) {
    return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String coordinate(BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] fixed = new byte[32];
    int copy = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - copy, fixed, 32 - copy, copy);
    return B64URL.encodeToString(fixed);
  }
}
