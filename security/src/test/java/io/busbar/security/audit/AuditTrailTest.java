package io.busbar.security.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.codecs.bus.Addresses;
import io.busbar.security.Principal;
import io.busbar.security.audit.AuditEvent.Action;
import io.busbar.security.audit.AuditEvent.Decision;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(10)
class AuditTrailTest {

  private static final Instant T = Instant.parse("2025-06-01T12:00:00Z");

  /** Verifies that an event survives its JSON form, with absent members left out. */
  @Test
  void jsonRoundTrip() {
    Principal p = new Principal("d1", "acme", Set.of(), Long.MAX_VALUE, "j1");
    AuditEvent denied =
        AuditEvent.denied(T, p, Action.PUBLISH_DENIED, "devices/d2/telemetry", "ACL", "10.0.0.1");
    AuditEvent anonymous = AuditEvent.denied(T, null, Action.CONNECT, null, "BAD_SIGNATURE", null);

    assertThat(AuditEvent.fromJson(denied.toJson())).isEqualTo(denied);
    assertThat(AuditEvent.fromJson(anonymous.toJson())).isEqualTo(anonymous);
    assertThat(anonymous.toJson().fieldNames())
        .containsExactlyInAnyOrder("time", "action", "decision", "reason");
    assertThat(AuditEvent.allowed(T, p, Action.CONNECT, null, "a").decision())
        .isEqualTo(Decision.ALLOW);
  }

  /** Verifies that bad JSON is refused with the member named. */
  @Test
  void badJsonIsRefused() {
    assertThatThrownBy(
            () -> AuditEvent.fromJson(new JsonObject().put("time", 1).put("action", "NOPE")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NOPE");
  }

  /** Verifies that recorded events arrive on busbar.audit as JSON. */
  @Test
  void publishesOnTheAuditAddress(Vertx vertx, VertxTestContext ctx) {
    AuditTrail trail = new AuditTrail(vertx.eventBus(), Addresses.AUDIT);
    AuditEvent event =
        AuditEvent.denied(
            T, null, Action.HTTP_DENIED, "/api/v1/state", "MISSING_TOKEN", "127.0.0.1");
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.AUDIT,
            msg ->
                ctx.verify(
                    () -> {
                      assertThat(AuditEvent.fromJson(msg.body())).isEqualTo(event);
                      assertThat(trail.publishedCount()).isEqualTo(1);
                      ctx.completeNow();
                    }))
        .completion()
        .onSuccess(v -> trail.record(event));
  }

  /**
   * Verifies that the events recorded within the hand-off time reach the store address as one
   * JsonArray, and each event still reaches the audit address on its own.
   */
  @Test
  void handsOneTurnsEventsToTheStoreInOneMessage(Vertx vertx, VertxTestContext ctx) {
    AuditTrail trail = new AuditTrail(vertx.eventBus(), Addresses.AUDIT);
    AuditEvent a = AuditEvent.denied(T, null, Action.CONNECT, null, "EXPIRED", "10.0.0.1");
    AuditEvent b = AuditEvent.denied(T, null, Action.HTTP_DENIED, "/api", "MISSING_TOKEN", null);
    java.util.concurrent.atomic.AtomicInteger single =
        new java.util.concurrent.atomic.AtomicInteger();
    vertx.eventBus().<JsonObject>consumer(Addresses.AUDIT, msg -> single.incrementAndGet());
    vertx
        .eventBus()
        .<io.vertx.core.json.JsonArray>consumer(
            Addresses.AUDIT_STORE,
            msg ->
                ctx.verify(
                    () -> {
                      assertThat(msg.body()).hasSize(2);
                      assertThat(AuditEvent.fromJson(msg.body().getJsonObject(0))).isEqualTo(a);
                      assertThat(AuditEvent.fromJson(msg.body().getJsonObject(1))).isEqualTo(b);
                      assertThat(single.get()).isEqualTo(2);
                      ctx.completeNow();
                    }))
        .completion()
        .onSuccess(
            v ->
                vertx.runOnContext(
                    x -> {
                      trail.record(a);
                      trail.record(b);
                    }));
  }
}
