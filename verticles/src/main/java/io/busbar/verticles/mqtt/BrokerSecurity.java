package io.busbar.verticles.mqtt;

import io.busbar.security.Principal;
import io.busbar.security.audit.AuditEvent;
import io.busbar.security.audit.AuditEvent.Action;
import io.busbar.security.audit.AuditTrail;
import io.busbar.security.ratelimit.AuthGuard;
import io.busbar.security.ratelimit.RateLimiter;
import io.busbar.security.revocation.RevocationList;
import io.busbar.security.tls.CertificateIdentity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;

/**
 * What every connection of one broker shares for its defences: the rate limiter (per device and per
 * source address), the authentication guard, the revocation list and the audit trail, with their
 * meters. The limiter, guard and list are thread-safe; the rest is used from the broker's context.
 *
 * <p>Metrics: {@code busbar.mqtt.publish.throttled} (PUBLISH over a device's rate), {@code
 * busbar.mqtt.disconnect.expired}, {@code busbar.mqtt.disconnect.certificate.expired}, {@code
 * busbar.mqtt.disconnect.revoked}, {@code busbar.mqtt.reauth} (tag {@code outcome}), {@code
 * busbar.mqtt.auth.throttled}, gauges {@code busbar.mqtt.auth.inflight} and {@code
 * busbar.mqtt.ratelimit.keys}.
 */
final class BrokerSecurity {

  final RateLimiter rateLimiter;
  final AuthGuard authGuard;
  final RevocationList revocations;
  final AuditTrail audit;
  final Counter publishThrottled;
  final Counter expiredDisconnects;

  /** Connections closed at the notAfter of the client certificate that identified them. */
  final Counter certificateExpiredDisconnects;

  final Counter revokedDisconnects;
  final Counter reauthAccepted;
  final Counter reauthRefused;

  /** Identity on the TLS listener: token, client certificate, either or both. */
  final CertificateIdentity tlsIdentity;

  BrokerSecurity(
      MqttSecurityConfig config,
      RevocationList revocations,
      AuditTrail audit,
      MeterRegistry registry) {
    this.rateLimiter = new RateLimiter(config.rateLimits());
    this.authGuard = new AuthGuard(config.authGuard());
    this.revocations = revocations;
    this.audit = audit;
    this.tlsIdentity = config.tlsIdentity();
    publishThrottled = registry.counter("busbar.mqtt.publish.throttled");
    expiredDisconnects = registry.counter("busbar.mqtt.disconnect.expired");
    certificateExpiredDisconnects = registry.counter("busbar.mqtt.disconnect.certificate.expired");
    revokedDisconnects = registry.counter("busbar.mqtt.disconnect.revoked");
    reauthAccepted = registry.counter("busbar.mqtt.reauth", "outcome", "accepted");
    reauthRefused = registry.counter("busbar.mqtt.reauth", "outcome", "refused");
    FunctionCounter.builder("busbar.mqtt.auth.throttled", authGuard, AuthGuard::throttledCount)
        .register(registry);
    Gauge.builder("busbar.mqtt.auth.inflight", authGuard, AuthGuard::inFlight).register(registry);
    Gauge.builder("busbar.mqtt.ratelimit.keys", rateLimiter, RateLimiter::trackedKeys)
        .register(registry);
  }

  /** Whether PUBLISH rates apply to {@code principal}: devices yes, backend applications no. */
  static boolean rateLimited(Principal principal) {
    return !principal.hasRole(Principal.ROLE_APP);
  }

  void allowed(Principal principal, Action action, String resource, String source) {
    audit.record(AuditEvent.allowed(Instant.now(), principal, action, resource, source));
  }

  void denied(Principal principal, Action action, String resource, String reason, String source) {
    audit.record(AuditEvent.denied(Instant.now(), principal, action, resource, reason, source));
  }

  /** A refused CONNECT of someone not identified; {@code user} is the claimed user name. */
  void connectDenied(String user, String reason, String source) {
    audit.record(
        new AuditEvent(
            Instant.now(),
            null,
            user == null || user.isEmpty() ? null : user,
            Action.CONNECT,
            null,
            AuditEvent.Decision.DENY,
            reason,
            source));
  }
}
