package io.busbar.verticles.http;

import io.busbar.security.AuthenticationException;
import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.busbar.security.acl.BackendAccess;
import io.busbar.security.acl.Permission;
import io.busbar.security.audit.AuditEvent;
import io.busbar.security.audit.AuditTrail;
import io.busbar.security.tls.CertificateIdentity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requires a Bearer token (RFC 6750 §2.1 {@code Authorization} header; for {@code /ws} also the
 * {@code access_token} query parameter of §2.3, since browsers cannot set headers on a WebSocket)
 * and a role that grants the request's {@link Permission} (a device, which has no role, may {@code
 * POST} its own readings to {@code /api/v1/devices/{its id}/telemetry}; another device's id is
 * 403). On success the {@link Principal} is put in the routing context under {@link #PRINCIPAL} and
 * the next handler runs.
 *
 * <p>Refusals are RFC 7807 problems with the RFC 6750 §3 challenge:
 *
 * <ul>
 *   <li>no token: 401, {@code WWW-Authenticate: Bearer realm="busbar"} (§3.1: no error code when no
 *       credentials were sent);
 *   <li>invalid token: 401, {@code Bearer realm="busbar", error="invalid_token"};
 *   <li>role needs MFA the token lacks: 401, {@code error="insufficient_user_authentication"} (RFC
 *       9470 §3);
 *   <li>no role grants the permission: 403, {@code error="insufficient_scope"};
 *   <li>throttled: 429 with {@code Retry-After}; issuer keys unavailable: 503.
 * </ul>
 *
 * The reason string never echoes the token. Every refusal is counted in {@code
 * busbar.http.auth.denied} (tag {@code reason}) and recorded as an {@link AuditEvent} {@code
 * HTTP_DENIED}.
 *
 * <p>On the TLS listener a verified client certificate may name the device instead of, or as well
 * as, the token ({@link CertificateIdentity}, {@code http.tls-device-auth}): without one where the
 * policy needs it, 401 "client certificate required"; naming another device than the token's {@code
 * sub}, 401 "not authorized"; past its notAfter (a kept-alive connection outlives the handshake's
 * check), 401 "client certificate expired".
 *
 * <p>Runs on the HTTP verticle's event loop.
 */
final class BearerAuthHandler implements Handler<RoutingContext> {

  /** Routing-context key of the authenticated {@link Principal}. */
  static final String PRINCIPAL = "busbar.principal";

  private static final String REALM = "Bearer realm=\"busbar\"";

  private final TokenAuthenticator authenticator;
  private final BackendAccess access;
  private final AuditTrail audit;
  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, Counter> denied = new ConcurrentHashMap<>();
  private final CertificateIdentity tlsIdentity;

  BearerAuthHandler(
      TokenAuthenticator authenticator,
      BackendAccess access,
      AuditTrail audit,
      MeterRegistry registry,
      Clock clock) {
    this(authenticator, access, audit, registry, clock, CertificateIdentity.tokensOnly());
  }

  /** As above, identifying devices on the TLS listener as {@code tlsIdentity} says. */
  BearerAuthHandler(
      TokenAuthenticator authenticator,
      BackendAccess access,
      AuditTrail audit,
      MeterRegistry registry,
      Clock clock,
      CertificateIdentity tlsIdentity) {
    this.tlsIdentity = Objects.requireNonNull(tlsIdentity, "tlsIdentity");
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    this.access = Objects.requireNonNull(access, "access");
    this.audit = audit;
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String token = token(ctx);
    CertificateIdentity identity =
        ctx.request().isSSL() ? tlsIdentity : CertificateIdentity.tokensOnly();
    CertificateIdentity.Peer peer =
        identity.policy().usesCertificate()
            ? identity.peer(ctx.request().sslSession()).orElse(null)
            : null;
    if (peer != null && peer.notAfter() <= clock.millis()) {
      deny(
          ctx,
          null,
          "CERTIFICATE_EXPIRED",
          Problem.unauthorized("client certificate expired"),
          REALM);
      return;
    }
    // Vert.x Web pauses the request body only for the synchronous part; keep it until we decide
    ctx.request().pause();
    Future<Principal> authenticated;
    try {
      authenticated =
          identity.authenticate(
              peer == null ? null : peer.device(), token, authenticator::authenticate);
    } catch (RuntimeException e) {
      authenticated = Future.failedFuture(e);
    }
    authenticated.onComplete(
        ar -> {
          ctx.request().resume();
          if (ar.failed()) {
            refuseToken(ctx, ar.cause());
            return;
          }
          Principal principal = ar.result();
          Permission needed =
              BackendAccess.forRequest(ctx.request().method().name(), ctx.normalizedPath());
          // a device (token or certificate) has no role but may write its own readings
          BackendAccess.Decision decision =
              needed == Permission.INGEST
                  ? access.decideIngest(principal, BackendAccess.ingestDevice(ctx.normalizedPath()))
                  : access.decide(principal, needed);
          switch (decision) {
            case ALLOWED -> {
              ctx.put(PRINCIPAL, principal);
              ctx.next();
            }
            case MFA_REQUIRED ->
                deny(
                    ctx,
                    principal,
                    "MFA_REQUIRED",
                    Problem.mfaRequired(),
                    REALM + ", error=\"insufficient_user_authentication\"");
            case FORBIDDEN ->
                deny(
                    ctx,
                    principal,
                    "ROLE",
                    needed == Permission.INGEST && principal.roles().isEmpty()
                        ? Problem.forbiddenDevice()
                        : Problem.forbidden(needed.name()),
                    REALM + ", error=\"insufficient_scope\"");
          }
        });
  }

  private void refuseToken(RoutingContext ctx, Throwable cause) {
    if (!(cause instanceof AuthenticationException ae)) {
      deny(ctx, null, "AUTH_ERROR", Problem.authUnavailable(), null);
      return;
    }
    switch (ae.reason()) {
      case MISSING_TOKEN, CERTIFICATE_REQUIRED ->
          deny(ctx, null, ae.reason().name(), Problem.unauthorized(ae.publicMessage()), REALM);
      case THROTTLED -> {
        ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
        deny(ctx, null, ae.reason().name(), Problem.throttled(), null);
      }
      case KEYS_UNAVAILABLE -> deny(ctx, null, ae.reason().name(), Problem.authUnavailable(), null);
      default ->
          deny(
              ctx,
              null,
              ae.reason().name(),
              Problem.unauthorized(ae.publicMessage()),
              REALM + ", error=\"invalid_token\"");
    }
  }

  private void deny(
      RoutingContext ctx, Principal principal, String reason, Problem problem, String challenge) {
    denied
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("busbar.http.auth.denied")
                    .description("HTTP requests and WebSocket upgrades refused by authentication")
                    .tag("reason", r.toLowerCase(Locale.ROOT))
                    .register(registry))
        .increment();
    if (audit != null) {
      SocketAddress remote = ctx.request().remoteAddress();
      audit.record(
          AuditEvent.denied(
              clock.instant(),
              principal,
              AuditEvent.Action.HTTP_DENIED,
              ctx.request().method().name() + " " + ctx.normalizedPath(),
              reason,
              remote == null ? null : remote.hostAddress()));
    }
    if (ctx.response().ended()) {
      return;
    }
    if (challenge != null) {
      ctx.response().putHeader("WWW-Authenticate", challenge);
    }
    ctx.response()
        .setStatusCode(problem.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(problem.toJson(ctx.request().path()).encode());
  }

  /** The token from the header, or for {@code /ws} the query; {@code null} when there is none. */
  private static String token(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null) {
      // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive
      if (header.length() > 7 && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return header.substring(7).strip();
      }
      return null;
    }
    // browsers cannot set headers on a WebSocket upgrade
    if ("/ws".equals(ctx.normalizedPath()) || ctx.normalizedPath().startsWith("/eventbus/")) {
      return ctx.queryParams().get("access_token");
    }
    return null;
  }
}
