package io.busbar.security.jwt;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.busbar.security.revocation.RevocationList;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates JWS compact tokens (RFC 7515 §7.1) of several trusted issuers: it reads the {@code iss}
 * of the still unverified payload only to pick the issuer's configuration and keys, then checks, in
 * this order, so that nothing of an untrusted token reaches a verifier and only a genuine token can
 * be {@code EXPIRED}:
 *
 * <ol>
 *   <li>structure and size (the issuer's {@code maxTokenSize}) — {@code MALFORMED};
 *   <li>{@code iss} is configured — {@code UNTRUSTED_ISSUER};
 *   <li>{@code alg} is on the issuer's allow-list (RFC 8725 §3.1) — {@code BAD_SIGNATURE};
 *   <li>claim types — {@code MALFORMED};
 *   <li>the {@code kid}'s key (JWKS refreshed on an unknown kid) — {@code UNKNOWN_KEY}, {@code
 *       KEYS_UNAVAILABLE};
 *   <li>the signature — {@code BAD_SIGNATURE};
 *   <li>{@code aud} — {@code WRONG_AUDIENCE}; {@code exp}, {@code nbf}, {@code iat} with the
 *       issuer's clock skew — {@code EXPIRED}, {@code NOT_YET_VALID}; lifetime — {@code
 *       LIFETIME_EXCEEDED}; tenant binding — {@code TENANT_NOT_ALLOWED};
 *   <li>the {@link RevocationList} — {@code REVOKED}.
 * </ol>
 *
 * <p>Verified signatures are remembered (SHA-256 of the token → the key that verified it) while
 * that key stays current, so a reconnect storm of the same devices costs a hash, not a signature
 * check each; every claim check and the revocation check run again on each call.
 *
 * <p>Threads: safe from any event loop; CPU work on the caller's thread; the returned future
 * completes on the caller's context even when a JWKS fetch was needed.
 */
public final class MultiIssuerAuthenticator implements TokenAuthenticator {

  /** Entries of the verified-signature cache before it is cleared. */
  public static final int SIGNATURE_CACHE_SIZE = 16_384;

  private static final Base64.Decoder B64URL = Base64.getUrlDecoder();

  /** An issuer with its key source. */
  private record Issuer(IssuerConfig config, KeySource keys) {}

  private final Map<String, Issuer> issuers;
  private final RevocationList revocations;
  private final Clock clock;
  private final int maxTokenSize;
  private final Map<String, VerificationKey> verified = new ConcurrentHashMap<>();

  /**
   * Builds key sources for {@code configs}: static keys as given, a {@link JwksKeySource} per JWKS
   * URL. Call {@link #start()} to load the JWKS before the first token arrives.
   *
   * @param revocations the deny list checked last, or {@code null} for none
   * @throws IllegalArgumentException when two configs name the same issuer
   */
  public MultiIssuerAuthenticator(
      Vertx vertx, List<IssuerConfig> configs, RevocationList revocations, Clock clock) {
    this(sources(vertx, configs), revocations, clock);
  }

  /** With explicit key sources per issuer (tests, or sources shared between authenticators). */
  public MultiIssuerAuthenticator(
      Map<IssuerConfig, KeySource> sources, RevocationList revocations, Clock clock) {
    Map<String, Issuer> byName = new HashMap<>();
    int max = 0;
    for (Map.Entry<IssuerConfig, KeySource> e : sources.entrySet()) {
      IssuerConfig config = e.getKey();
      if (byName.put(config.issuer(), new Issuer(config, e.getValue())) != null) {
        throw new IllegalArgumentException("issuer " + config.issuer() + " is configured twice");
      }
      max = Math.max(max, config.maxTokenSize());
    }
    if (byName.isEmpty()) {
      throw new IllegalArgumentException("at least one issuer is needed");
    }
    this.issuers = Map.copyOf(byName);
    this.revocations = revocations;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxTokenSize = max;
  }

  private static Map<IssuerConfig, KeySource> sources(Vertx vertx, List<IssuerConfig> configs) {
    Map<IssuerConfig, KeySource> sources = new LinkedHashMap<>();
    for (IssuerConfig config : configs) {
      KeySource source =
          config.jwksUrl() != null
              ? new JwksKeySource(
                  vertx, config.jwksUrl(), config.refreshInterval(), config.minRefetchInterval())
              : new StaticKeySource(config.staticKeys());
      sources.put(config, source);
    }
    return sources;
  }

  /**
   * Loads every issuer's keys.
   *
   * @return a future that fails when some JWKS could not be fetched the first time; the
   *     authenticator still works for the other issuers and keeps trying for that one
   */
  public Future<Void> start() {
    List<Future<Void>> starts = new ArrayList<>();
    for (Issuer issuer : issuers.values()) {
      starts.add(issuer.keys().start());
    }
    return Future.all(starts).mapEmpty();
  }

  /** Stops the JWKS refreshes. */
  public void close() {
    issuers.values().forEach(i -> i.keys().close());
  }

  /** The configured issuer names. */
  public Set<String> issuers() {
    return issuers.keySet();
  }

  @Override
  public Future<Principal> authenticate(String token) {
    if (token == null || token.isEmpty()) {
      return refuse(Reason.MISSING_TOKEN, "no token");
    }
    if (token.length() > maxTokenSize) {
      return refuse(Reason.MALFORMED, "token longer than " + maxTokenSize + " characters");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return refuse(Reason.MALFORMED, "not a JWS: " + parts.length + " parts instead of 3");
    }
    JsonObject header;
    JsonObject claims;
    byte[] signature;
    try {
      header = JwtParts.decodeJson(parts[0]);
      claims = JwtParts.decodeJson(parts[1]);
      signature = B64URL.decode(parts[2]);
    } catch (RuntimeException e) {
      return refuse(Reason.MALFORMED, "header, payload or signature is not base64url JSON");
    }
    if (!(claims.getValue("iss") instanceof String iss)) {
      return refuse(Reason.UNTRUSTED_ISSUER, "no iss");
    }
    Issuer issuer = issuers.get(iss);
    if (issuer == null) {
      return refuse(Reason.UNTRUSTED_ISSUER, "issuer not configured");
    }
    IssuerConfig config = issuer.config();
    if (token.length() > config.maxTokenSize()) {
      return refuse(Reason.MALFORMED, "token longer than the issuer allows");
    }
    JwsAlgorithm alg = JwsAlgorithm.byName(header.getValue("alg")).orElse(null);
    if (alg == null || !config.algorithms().contains(alg)) {
      return refuse(Reason.BAD_SIGNATURE, "algorithm not accepted");
    }
    if (header.containsKey("crit")) {
      // RFC 7515 §4.1.11: extensions we do not understand make the JWS invalid
      return refuse(Reason.MALFORMED, "critical header extensions not supported");
    }
    Object kid = header.getValue("kid");
    if (kid != null
        && (!(kid instanceof String k) || k.isEmpty() || k.length() > JsonWebKeys.MAX_KID_LENGTH)) {
      return refuse(Reason.MALFORMED, "kid is not a short string");
    }
    if (signature.length == 0) {
      return refuse(Reason.BAD_SIGNATURE, "no signature");
    }
    String claimProblem = claimTypeProblem(claims, config);
    if (claimProblem != null) {
      return refuse(Reason.MALFORMED, claimProblem);
    }
    String cacheKey = sha256(token);
    VerificationKey remembered = verified.get(cacheKey);
    if (remembered != null && issuer.keys().isCurrent(remembered)) {
      return checkClaims(issuer, claims);
    }
    Future<VerificationKey> key = issuer.keys().key((String) kid, alg);
    if (key.isComplete()) {
      return verifyThenCheck(issuer, alg, parts, signature, claims, cacheKey, key);
    }
    // a JWKS fetch is running: answer on the caller's context, as if it had been synchronous
    Context caller = Vertx.currentContext();
    Promise<Principal> result = Promise.promise();
    key.onComplete(
        ar -> {
          Future<Principal> outcome =
              verifyThenCheck(issuer, alg, parts, signature, claims, cacheKey, key);
          if (caller == null) {
            outcome.onComplete(result);
          } else {
            caller.runOnContext(v -> outcome.onComplete(result));
          }
        });
    return result.future();
  }

  private Future<Principal> verifyThenCheck(
      Issuer issuer,
      JwsAlgorithm alg,
      String[] parts,
      byte[] signature,
      JsonObject claims,
      String cacheKey,
      Future<VerificationKey> key) {
    if (key.failed()) {
      return key.cause() instanceof AuthenticationException
          ? Future.failedFuture(key.cause())
          : refuse(Reason.KEYS_UNAVAILABLE, "key lookup failed");
    }
    byte[] signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    if (!alg.verify(key.result().publicKey(), signingInput, signature)) {
      return refuse(Reason.BAD_SIGNATURE, "signature does not verify");
    }
    if (verified.size() >= SIGNATURE_CACHE_SIZE) {
      verified.clear(); // crude bound; a refill costs one verification per live token
    }
    verified.put(cacheKey, key.result());
    return checkClaims(issuer, claims);
  }

  /** After the signature verified: RFC 7519 §4.1.3–.6, lifetime, tenant, revocation. */
  private Future<Principal> checkClaims(Issuer issuer, JsonObject claims) {
    IssuerConfig config = issuer.config();
    if (!config.audiences().isEmpty() && !audienceMatches(claims.getValue("aud"), config)) {
      return refuse(Reason.WRONG_AUDIENCE, "aud does not name this service");
    }
    long now = clock.millis();
    long skew = config.clockSkew().toMillis();
    Long exp = JwtParts.epochMillis(claims, "exp");
    Long nbf = JwtParts.epochMillis(claims, "nbf");
    Long iat = JwtParts.epochMillis(claims, "iat");
    if (exp == null && config.requireExpiry()) {
      return refuse(Reason.LIFETIME_EXCEEDED, "token has no exp");
    }
    if (exp != null && now - skew >= exp) {
      return refuse(Reason.EXPIRED, "token expired at " + exp / 1000);
    }
    if (nbf != null && now + skew < nbf) {
      return refuse(Reason.NOT_YET_VALID, "token not valid before " + nbf / 1000);
    }
    if (iat != null && now + skew < iat) {
      return refuse(Reason.NOT_YET_VALID, "token issued in the future at " + iat / 1000);
    }
    if (exp != null) {
      long start = iat != null ? iat : now;
      if (exp - start > config.maxLifetime().toMillis() + skew) {
        return refuse(Reason.LIFETIME_EXCEEDED, "token lifetime exceeds " + config.maxLifetime());
      }
    }
    String claimTenant = (String) claims.getValue(config.tenantClaim());
    String tenant;
    if (config.tenant() != null) {
      if (claimTenant != null && !claimTenant.equals(config.tenant())) {
        return refuse(Reason.TENANT_NOT_ALLOWED, "issuer is bound to another tenant");
      }
      tenant = config.tenant();
    } else {
      tenant = claimTenant != null ? claimTenant : Principal.DEFAULT_TENANT;
      if (!config.allowedTenants().isEmpty() && !config.allowedTenants().contains(tenant)) {
        return refuse(Reason.TENANT_NOT_ALLOWED, "issuer may not name tenant " + tenant);
      }
    }
    Set<String> roles = new HashSet<>();
    if (path(claims, config.rolesClaim()) instanceof JsonArray array) {
      array.forEach(r -> roles.add((String) r));
    }
    Set<String> amr = new HashSet<>();
    if (claims.getValue("amr") instanceof JsonArray array) {
      array.forEach(m -> amr.add((String) m));
    }
    Map<String, String> attributes = new HashMap<>();
    for (String name :
        new String[] {Principal.ACR, Principal.SPARKPLUG_GROUP, Principal.SPARKPLUG_EDGE_NODE}) {
      if (claims.getValue(name) instanceof String value) {
        attributes.put(name, value);
      }
    }
    Principal principal =
        new Principal(
            claims.getString("sub"),
            tenant,
            roles,
            exp == null ? Long.MAX_VALUE : exp,
            claims.getString("jti"),
            config.issuer(),
            amr,
            attributes);
    if (revocations != null && revocations.isRevoked(principal)) {
      return refuse(Reason.REVOKED, "token or device revoked");
    }
    return Future.succeededFuture(principal);
  }

  private static boolean audienceMatches(Object aud, IssuerConfig config) {
    // RFC 7519 §4.1.3: a single string or an array of strings
    if (aud instanceof String single) {
      return config.audiences().contains(single);
    }
    if (aud instanceof JsonArray many) {
      for (Object a : many) {
        if (a instanceof String s && config.audiences().contains(s)) {
          return true;
        }
      }
    }
    return false;
  }

  /** What is wrong with the claim types, or {@code null} when they are all right. */
  private static String claimTypeProblem(JsonObject claims, IssuerConfig config) {
    if (!(claims.getValue("sub") instanceof String sub) || sub.isEmpty()) {
      return "sub is missing or not a string";
    }
    Object tenant = claims.getValue(config.tenantClaim());
    if (tenant != null && !(tenant instanceof String t && !t.isEmpty())) {
      return "tenant is not a non-empty string";
    }
    for (String name : new String[] {"jti", Principal.ACR}) {
      if (claims.containsKey(name) && !(claims.getValue(name) instanceof String)) {
        return name + " is not a string";
      }
    }
    for (String name : new String[] {"exp", "nbf", "iat"}) {
      if (claims.containsKey(name) && !(claims.getValue(name) instanceof Number)) {
        return name + " is not a NumericDate";
      }
    }
    Object aud = claims.getValue("aud");
    if (aud != null && !(aud instanceof String) && !stringArray(aud)) {
      return "aud is not a string or an array of strings";
    }
    Object roles = path(claims, config.rolesClaim());
    if (roles != null && !stringArray(roles)) {
      return "roles is not an array of strings";
    }
    Object amr = claims.getValue("amr");
    if (amr != null && !stringArray(amr)) {
      return "amr is not an array of strings";
    }
    return null;
  }

  private static boolean stringArray(Object value) {
    if (!(value instanceof JsonArray array)) {
      return false;
    }
    for (Object item : array) {
      if (!(item instanceof String)) {
        return false;
      }
    }
    return true;
  }

  /** The value at a dotted path ({@code realm_access.roles}), or {@code null}. */
  private static Object path(JsonObject claims, String dotted) {
    Object current = claims;
    for (String step : dotted.split("\\.")) {
      if (!(current instanceof JsonObject object)) {
        return null;
      }
      current = object.getValue(step);
    }
    return current;
  }

  private static String sha256(String token) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  private static <T> Future<T> refuse(Reason reason, String message) {
    return Future.failedFuture(new AuthenticationException(reason, message));
  }
}
