package io.busbar.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JWKS fetching against a real HTTP server on 127.0.0.1 that plays the identity provider: key
 * rotation without restart, the rate limit on unknown key ids, and the last good keys kept when the
 * provider fails.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class JwksKeySourceTest {

  private static final String ISS = "https://idp.test";

  private static Vertx vertx;
  private static HttpServer idp;
  private static URI jwksUrl;
  private static final AtomicReference<String> document = new AtomicReference<>();
  private static final AtomicInteger status = new AtomicInteger(200);
  private static final AtomicInteger hits = new AtomicInteger();

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private TestKeys keyA;
  private TestKeys keyB;
  private JwksKeySource source;
  private MultiIssuerAuthenticator authenticator;

  @BeforeAll
  static void startIdp(Vertx shared) {
    vertx = shared;
    idp =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  hits.incrementAndGet();
                  req.response()
                      .setStatusCode(status.get())
                      .putHeader("Content-Type", "application/jwk-set+json")
                      .end(document.get());
                })
            .listen(0, "127.0.0.1")
            .await();
    jwksUrl = URI.create("http://127.0.0.1:" + idp.actualPort() + "/realms/acme/certs");
  }

  @AfterAll
  static void stopIdp() {
    idp.close().await();
  }

  @BeforeEach
  void serveKeyA() throws Exception {
    keyA = TestKeys.generate(JwsAlgorithm.RS256, "a");
    keyB = TestKeys.generate(JwsAlgorithm.ES256, "b");
    serve(keyA);
    status.set(200);
    source =
        new JwksKeySource(
            vertx,
            jwksUrl,
            Duration.ofHours(1),
            Duration.ofSeconds(30),
            Duration.ofSeconds(5),
            nanos::get);
    authenticator = authenticatorOver(source);
    source.start().await(10, TimeUnit.SECONDS);
    hits.set(0);
  }

  @AfterEach
  void closeSource() {
    source.close();
  }

  private MultiIssuerAuthenticator authenticatorOver(KeySource keys) {
    IssuerConfig config =
        IssuerConfig.builder(ISS).audiences(Set.of("busbar")).jwksUrl(jwksUrl).build();
    return new MultiIssuerAuthenticator(Map.of(config, keys), null, Clock.systemUTC());
  }

  private static void serve(TestKeys... keys) {
    JsonArray array = new JsonArray();
    for (TestKeys k : keys) {
      array.add(k.jwk());
    }
    // an encryption key and an unsupported curve are listed too, as real providers do
    array.add(
        new JsonObject()
            .put("kty", "RSA")
            .put("use", "enc")
            .put("kid", "enc-1")
            .put("n", "AQAB")
            .put("e", "AQAB"));
    array.add(
        new JsonObject()
            .put("kty", "EC")
            .put("crv", "P-521")
            .put("kid", "p521")
            .put("x", "AA")
            .put("y", "AA"));
    document.set(new JsonObject().put("keys", array).encode());
  }

  private static String token(TestKeys keys, String sub) {
    long now = System.currentTimeMillis() / 1000;
    return keys.sign(
        new JsonObject()
            .put("iss", ISS)
            .put("aud", "busbar")
            .put("sub", sub)
            .put("iat", now)
            .put("exp", now + 300));
  }

  private Future<Principal> authenticate(String token) {
    return authenticator.authenticate(token);
  }

  private static Reason reason(Future<Principal> f) throws Exception {
    try {
      f.await(10, TimeUnit.SECONDS);
    } catch (AuthenticationException e) {
      return e.reason();
    }
    throw new AssertionError("accepted");
  }

  /** Verifies that the provider's keys are loaded at start and its tokens accepted. */
  @Test
  void keysLoadedAtStart() throws Exception {
    assertThat(source.keyCount()).isEqualTo(1);
    assertThat(authenticate(token(keyA, "d1")).await(10, TimeUnit.SECONDS).subject())
        .isEqualTo("d1");
    assertThat(hits).hasValue(0);
  }

  /** Verifies that a rotated key is fetched on its first token, and the retired key is dropped. */
  @Test
  void rotationWithoutRestart() throws Exception {
    String oldToken = token(keyA, "d1");
    authenticate(oldToken).await(10, TimeUnit.SECONDS); // remembered as verified
    serve(keyB);

    Principal p = authenticate(token(keyB, "d2")).await(10, TimeUnit.SECONDS);

    assertThat(p.subject()).isEqualTo("d2");
    assertThat(hits).hasValue(1);
    // the old key is gone: even the remembered verification no longer counts
    assertThat(reason(authenticate(oldToken))).isEqualTo(Reason.UNKNOWN_KEY);
  }

  /** Verifies that a flood of unknown key ids costs one fetch per interval, not one per token. */
  @Test
  void unknownKidRefetchIsRateLimited() throws Exception {
    for (int i = 0; i < 50; i++) {
      TestKeys forged = TestKeys.generate(JwsAlgorithm.ES256, "made-up-" + i);
      assertThat(reason(authenticate(token(forged, "d1")))).isEqualTo(Reason.UNKNOWN_KEY);
    }
    assertThat(hits).hasValue(1);
    assertThat(source.fetchCount()).as("fetches after the flood").isEqualTo(2);

    nanos.addAndGet(Duration.ofSeconds(31).toNanos());
    serve(keyA, keyB);
    Future<Principal> after = authenticate(token(keyB, "d2"));
    assertThat(after.await(10, TimeUnit.SECONDS).subject()).isEqualTo("d2");
    assertThat(hits).hasValue(2);
  }

  /** Verifies that concurrent demands for an unknown kid share one request. */
  @Test
  void concurrentDemandsShareOneFetch() throws Exception {
    serve(keyA, keyB);
    String token = token(keyB, "d2");
    List<Future<Principal>> all =
        List.of(authenticate(token), authenticate(token), authenticate(token), authenticate(token));

    Future.all(all).await(10, TimeUnit.SECONDS);

    assertThat(hits).hasValue(1);
  }

  /**
   * Verifies that failed fetches (500, garbage, oversized, no usable key) keep the last good keys.
   */
  @Test
  void failedFetchKeepsLastGoodKeys() throws Exception {
    String token = token(keyA, "d1");
    status.set(500);
    assertThat(source.refresh().failed() || failed(source.refresh())).isTrue();
    status.set(200);
    document.set("{not json");
    assertThat(failed(source.refresh())).isTrue();
    document.set("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}");
    assertThat(failed(source.refresh())).isTrue();
    document.set("{\"keys\":[],\"pad\":\"" + "x".repeat(JwksKeySource.MAX_DOCUMENT_BYTES) + "\"}");
    assertThat(failed(source.refresh())).isTrue();

    assertThat(source.failureCount()).isEqualTo(4);
    assertThat(source.keyCount()).isEqualTo(1);
    assertThat(authenticate(token).await(10, TimeUnit.SECONDS).subject()).isEqualTo("d1");
  }

  /**
   * Verifies that an unreachable provider fails start, refuses tokens as KEYS_UNAVAILABLE, and
   * recovers.
   */
  @Test
  void unreachableProviderThenRecovery() throws Exception {
    HttpServer closed =
        vertx
            .createHttpServer()
            .requestHandler(r -> r.response().end())
            .listen(0, "127.0.0.1")
            .await();
    int deadPort = closed.actualPort();
    closed.close().await();
    URI dead = URI.create("http://127.0.0.1:" + deadPort + "/certs");
    AtomicLong clock = new AtomicLong();
    JwksKeySource offline =
        new JwksKeySource(
            vertx,
            dead,
            Duration.ofHours(1),
            Duration.ofSeconds(30),
            Duration.ofSeconds(2),
            clock::get);
    try {
      assertThat(failed(offline.start())).isTrue();
      MultiIssuerAuthenticator auth = authenticatorOver(offline);

      assertThat(reasonOf(auth.authenticate(token(keyA, "d1")))).isEqualTo(Reason.KEYS_UNAVAILABLE);
    } finally {
      offline.close();
    }
  }

  /** Verifies that the scheduled refresh picks up new keys with no token asking for them. */
  @Test
  void scheduledRefresh(VertxTestContext ctx) {
    JwksKeySource periodic =
        new JwksKeySource(vertx, jwksUrl, Duration.ofMillis(100), Duration.ofSeconds(30));
    periodic.start().await();
    serve(keyA, keyB);
    vertx.setPeriodic(
        50,
        id -> {
          if (periodic.keyCount() == 2) {
            vertx.cancelTimer(id);
            periodic.close();
            ctx.completeNow();
          }
        });
  }

  /** Verifies that a token needing a fetch still completes on the caller's event loop. */
  @Test
  void completesOnCallersContext(VertxTestContext ctx) {
    serve(keyA, keyB);
    String token = token(keyB, "d2");
    Context context = vertx.getOrCreateContext();
    context.runOnContext(
        v ->
            authenticate(token)
                .onComplete(
                    ctx.succeeding(
                        p ->
                            ctx.verify(
                                () -> {
                                  assertThat(Vertx.currentContext()).isSameAs(context);
                                  assertThat(p.subject()).isEqualTo("d2");
                                  ctx.completeNow();
                                }))));
  }

  private static boolean failed(Future<?> f) {
    try {
      f.await(10, TimeUnit.SECONDS);
      return false;
    } catch (Exception e) {
      return true;
    }
  }

  private static Reason reasonOf(Future<Principal> f) throws Exception {
    return reason(f);
  }
}
