package io.busbar.security.jwt;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

/**
 * Validates JWS compact tokens (RFC 7515 §7.1) signed by one key with one algorithm and turns them
 * into a {@link Principal}. vertx-auth-jwt verifies the signature; this class does the checks whose
 * outcome must be a precise {@link Reason} rather than a vertx message string: structure, the
 * algorithm allow-list, the key id, claim types, issuer and the validity window.
 *
 * <p>Order matters: structure and header come first (so {@code alg=none} or {@code HS256} never
 * reach a verifier), times come last (so only a token we really signed can be {@code EXPIRED}).
 * Non-blocking; the returned future is already complete, so callbacks run on the caller's context.
 */
final class JwtTokenAuthenticator implements TokenAuthenticator {

  /** Longer than any token we mint by far; refuses to base64-decode megabytes from a CONNECT. */
  static final int MAX_TOKEN_LENGTH = 8192;

  private static final Base64.Decoder B64URL = Base64.getUrlDecoder();

  private final JWTAuth verifier;
  private final String algorithm;
  private final String kid;
  private final String issuer;
  private final Clock clock;
  private final long skewMillis;

  JwtTokenAuthenticator(
      JWTAuth verifier, String algorithm, String kid, String issuer, Clock clock, Duration skew) {
    this.verifier = verifier;
    this.algorithm = algorithm;
    this.kid = kid;
    this.issuer = issuer;
    this.clock = clock;
    this.skewMillis = skew.toMillis();
  }

  @Override
  public Future<Principal> authenticate(String token) {
    if (token == null || token.isEmpty()) {
      return refuse(Reason.MISSING_TOKEN, "no token");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      return refuse(Reason.MALFORMED, "token longer than " + MAX_TOKEN_LENGTH + " characters");
    }
    // RFC 7515 §7.1: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature)
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return refuse(Reason.MALFORMED, "not a JWS: " + parts.length + " parts instead of 3");
    }
    JsonObject header;
    JsonObject claims;
    try {
      header = JwtParts.decodeJson(parts[0]);
      claims = JwtParts.decodeJson(parts[1]);
    } catch (RuntimeException e) {
      // bad base64url, bad JSON, or JSON that is not an object ("null", "[1]", "42")
      return refuse(Reason.MALFORMED, "header or payload is not a base64url JSON object");
    }
    // algorithm allow-list before any key is touched (RFC 8725 §3.1)
    Object alg = header.getValue("alg");
    if (!algorithm.equals(alg)) {
      return refuse(Reason.BAD_SIGNATURE, "algorithm " + alg + " not accepted");
    }
    Object tokenKid = header.getValue("kid");
    if (tokenKid != null && !kid.equals(tokenKid)) {
      return refuse(Reason.BAD_SIGNATURE, "unknown key id " + tokenKid);
    }
    if (header.containsKey("crit")) {
      // RFC 7515 §4.1.11: extensions we do not understand make the JWS invalid
      return refuse(Reason.MALFORMED, "critical header extensions not supported");
    }
    if (parts[2].isEmpty()) {
      return refuse(Reason.BAD_SIGNATURE, "no signature");
    }
    try {
      B64URL.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      return refuse(Reason.MALFORMED, "signature is not base64url");
    }
    String claimProblem = claimTypeProblem(claims);
    if (claimProblem != null) {
      return refuse(Reason.MALFORMED, claimProblem);
    }
    Future<?> verification;
    try {
      verification = verifier.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      verification = Future.failedFuture(e);
    }
    // any vertx failure left at this point is about the signature: structure, alg, kid and claim
    // types were checked above, and vertx is told to ignore expiry
    return verification.transform(
        ar ->
            ar.succeeded()
                ? checkClaims(claims)
                : refuse(Reason.BAD_SIGNATURE, "signature does not verify"));
  }

  /** After the signature verified: issuer and validity window (RFC 7519 §4.1.1, .4, .5, .6). */
  private Future<Principal> checkClaims(JsonObject claims) {
    if (!issuer.equals(claims.getValue("iss"))) {
      return refuse(Reason.BAD_SIGNATURE, "issuer " + claims.getValue("iss") + " not trusted");
    }
    long now = clock.millis();
    Long exp = JwtParts.epochMillis(claims, "exp");
    if (exp != null && now - skewMillis >= exp) {
      return refuse(Reason.EXPIRED, "token expired at " + exp / 1000);
    }
    Long nbf = JwtParts.epochMillis(claims, "nbf");
    if (nbf != null && now + skewMillis < nbf) {
      return refuse(Reason.NOT_YET_VALID, "token not valid before " + nbf / 1000);
    }
    Long iat = JwtParts.epochMillis(claims, "iat");
    if (iat != null && now + skewMillis < iat) {
      return refuse(Reason.NOT_YET_VALID, "token issued in the future at " + iat / 1000);
    }
    Set<String> roles = new HashSet<>();
    JsonArray rolesClaim = claims.getJsonArray("roles");
    if (rolesClaim != null) {
      rolesClaim.forEach(role -> roles.add((String) role));
    }
    return Future.succeededFuture(
        new Principal(
            claims.getString("sub"),
            claims.getString("tenant", Principal.DEFAULT_TENANT),
            roles,
            exp == null ? Long.MAX_VALUE : exp,
            claims.getString("jti")));
  }

  /** What is wrong with the claim types, or {@code null} when they are all right. */
  private static String claimTypeProblem(JsonObject claims) {
    if (!(claims.getValue("sub") instanceof String sub) || sub.isEmpty()) {
      return "sub is missing or not a string";
    }
    if (claims.containsKey("tenant")
        && !(claims.getValue("tenant") instanceof String tenant && !tenant.isEmpty())) {
      return "tenant is not a non-empty string";
    }
    for (String name : new String[] {"iss", "jti"}) {
      if (claims.containsKey(name) && !(claims.getValue(name) instanceof String)) {
        return name + " is not a string";
      }
    }
    for (String name : new String[] {"exp", "nbf", "iat"}) {
      if (claims.containsKey(name) && !(claims.getValue(name) instanceof Number)) {
        return name + " is not a NumericDate";
      }
    }
    if (claims.containsKey("roles")) {
      if (!(claims.getValue("roles") instanceof JsonArray roles)) {
        return "roles is not an array";
      }
      for (Object role : roles) {
        if (!(role instanceof String)) {
          return "roles contains a non-string";
        }
      }
    }
    return null;
  }

  private static <T> Future<T> refuse(Reason reason, String message) {
    return Future.failedFuture(new AuthenticationException(reason, message));
  }
}
