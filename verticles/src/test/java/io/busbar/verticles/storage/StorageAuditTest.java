package io.busbar.verticles.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.security.Principal;
import io.busbar.security.audit.AuditEvent;
import io.busbar.security.audit.AuditTrail;
import io.busbar.verticles.http.HttpConfig;
import io.busbar.verticles.http.HttpVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The audit trail: busbar.audit into the audit table, read back over the bus and REST. */
@Timeout(30)
class StorageAuditTest {

  private static Vertx vertx;
  private static PrometheusMeterRegistry registry;
  private static WebClient http;
  private static int httpPort;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    vertx
        .deployVerticle(
            new StorageVerticle(
                new StorageConfig(null, 10_000, 100, Duration.ofMillis(20)), registry))
        .await(20, TimeUnit.SECONDS);
    HttpVerticle httpVerticle =
        new HttpVerticle(new HttpConfig("127.0.0.1", 0, "test"), new JsonObject(), registry);
    vertx.deployVerticle(httpVerticle).await(20, TimeUnit.SECONDS);
    httpPort = httpVerticle.actualPort();
    http = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private static Principal principal(String subject) {
    return new Principal(subject, "acme", Set.of(), Long.MAX_VALUE, null);
  }

  /**
   * Verifies that audit events published by the security code's AuditTrail are stored and come back
   * newest first, filtered by subject and limited, over the bus and over GET /api/v1/audit.
   */
  @Test
  void storesAndListsNewestFirst() throws Exception {
    AuditTrail trail = new AuditTrail(vertx.eventBus(), Addresses.AUDIT);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    trail.record(
        AuditEvent.allowed(t0, principal("dev-a"), AuditEvent.Action.CONNECT, null, "10.0.0.1"));
    trail.record(
        AuditEvent.denied(
            t0.plusSeconds(1),
            principal("dev-a"),
            AuditEvent.Action.PUBLISH_DENIED,
            "devices/dev-b/telemetry",
            "ACL",
            "10.0.0.1"));
    trail.record(
        AuditEvent.denied(
            t0.plusSeconds(2),
            null,
            AuditEvent.Action.HTTP_DENIED,
            "/api/v1/state",
            "EXPIRED",
            null));

    JsonArray all = awaitAudit(new JsonObject(), 3);
    assertThat(all).hasSize(3);
    assertThat(all.getJsonObject(0).getString("action")).isEqualTo("HTTP_DENIED");
    assertThat(all.getJsonObject(0).containsKey("subject")).isFalse();
    assertThat(AuditEvent.fromJson(all.getJsonObject(1)))
        .isEqualTo(
            AuditEvent.denied(
                t0.plusSeconds(1),
                principal("dev-a"),
                AuditEvent.Action.PUBLISH_DENIED,
                "devices/dev-b/telemetry",
                "ACL",
                "10.0.0.1"));

    HttpResponse<Buffer> rest =
        http.get(httpPort, "127.0.0.1", "/api/v1/audit?subject=dev-a&limit=1")
            .send()
            .await(10, TimeUnit.SECONDS);
    assertThat(rest.statusCode()).isEqualTo(200);
    JsonArray page = rest.bodyAsJsonArray();
    assertThat(page).hasSize(1);
    assertThat(page.getJsonObject(0).getString("action")).isEqualTo("PUBLISH_DENIED");
    assertThat(registry.find("busbar.storage.audit.written").counter().count()).isEqualTo(3);
  }

  /** Verifies that a body that is no audit event is counted as dropped, and bad limits get 400. */
  @Test
  void refusesBadInput() throws Exception {
    double before =
        registry.find("busbar.storage.dropped").tag("reason", "unexpected_type").counter().count();
    vertx
        .eventBus()
        .publish(
            Addresses.AUDIT_STORE, new JsonArray().add(new JsonObject().put("action", "NOPE")));
    vertx.eventBus().publish(Addresses.AUDIT_STORE, "text");
    StorageTestSupport.awaitCondition(
        () ->
            registry
                    .find("busbar.storage.dropped")
                    .tag("reason", "unexpected_type")
                    .counter()
                    .count()
                >= before + 2);
    assertThat(
            registry
                .find("busbar.storage.dropped")
                .tag("reason", "unexpected_type")
                .counter()
                .count())
        .isEqualTo(before + 2);
    HttpResponse<Buffer> rest =
        http.get(httpPort, "127.0.0.1", "/api/v1/audit?limit=0").send().await(10, TimeUnit.SECONDS);
    assertThat(rest.statusCode()).isEqualTo(400);
  }

  private static JsonArray awaitAudit(JsonObject request, int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      JsonArray rows = StorageTestSupport.request(vertx, Addresses.STORAGE_AUDIT_QUERY, request);
      if (rows.size() >= expected || System.nanoTime() > deadline) {
        return rows;
      }
      Thread.sleep(20);
    }
  }
}
