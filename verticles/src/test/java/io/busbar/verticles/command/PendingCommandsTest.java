package io.busbar.verticles.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Matching responses to waiting commands, without a Vert.x. */
@Timeout(5)
class PendingCommandsTest {

  private static CommandRequest request(String tenant, String device, String corr) {
    return CommandRequest.fromJson(
        new JsonObject()
            .put("tenant", tenant)
            .put("device", device)
            .put("name", "reboot")
            .put("correlationId", corr));
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Verifies that correlation data on the right topic and tenant matches once. */
  @Test
  void matchesByCorrelationData() {
    PendingCommands<String> pending = new PendingCommands<>();
    assertThat(pending.add(request("acme", "d1", "c1"), "h1")).isTrue();
    JsonObject response =
        new JsonObject()
            .put("tenant", "acme")
            .put("topic", "devices/d1/commands/reboot/response")
            .put("correlationData", b64("c1"))
            .put("payloadText", "{\"ok\":true}");

    assertThat(pending.match(response).handle()).isEqualTo("h1");
    assertThat(pending.match(response)).isNull();
    assertThat(pending.size()).isZero();
  }

  /** Verifies that a 3.1.1-style body correlationId matches when there is no correlation data. */
  @Test
  void matchesByBodyCorrelationId() {
    PendingCommands<String> pending = new PendingCommands<>();
    pending.add(request("default", "d2", "c2"), "h2");
    JsonObject response =
        new JsonObject()
            .put("tenant", "default")
            .put("topic", "devices/d2/commands/reboot/response")
            .put("payloadText", " {\"correlationId\":\"c2\",\"ok\":1}");

    assertThat(pending.match(response).handle()).isEqualTo("h2");
    assertThat(PendingCommands.responseBody(response).getInteger("ok")).isEqualTo(1);
  }

  /** Verifies that another tenant, another device's topic or a broken body matches nothing. */
  @Test
  void ignoresForeignResponses() {
    PendingCommands<String> pending = new PendingCommands<>();
    pending.add(request("acme", "d1", "c1"), "h1");
    JsonObject base =
        new JsonObject()
            .put("tenant", "acme")
            .put("topic", "devices/d1/commands/reboot/response")
            .put("correlationData", b64("c1"));

    assertThat(pending.match(base.copy().put("tenant", "other"))).isNull();
    assertThat(pending.match(base.copy().put("topic", "devices/d9/commands/reboot/response")))
        .isNull();
    assertThat(pending.match(base.copy().put("correlationData", "%%%"))).isNull();
    assertThat(
            pending.match(
                new JsonObject()
                    .put("tenant", "acme")
                    .put("topic", "devices/d1/commands/reboot/response")
                    .put("payloadText", "{not json")))
        .isNull();
    assertThat(pending.size()).isEqualTo(1);
    assertThat(pending.add(request("acme", "d1", "c1"), "again")).isFalse();
  }

  /** Verifies the shape of non-JSON responses. */
  @Test
  void responseBodies() {
    assertThat(PendingCommands.responseBody(new JsonObject().put("payloadText", "")))
        .isEqualTo(new JsonObject());
    assertThat(PendingCommands.responseBody(new JsonObject().put("payloadText", "OK")))
        .isEqualTo(new JsonObject().put("payloadText", "OK"));
    assertThat(PendingCommands.responseBody(new JsonObject().put("payload", "AAE=")))
        .isEqualTo(new JsonObject().put("payload", "AAE="));
  }

  /** Verifies that requests are checked field by field. */
  @Test
  void checksRequests() {
    assertThatThrownBy(() -> CommandRequest.fromJson("text"))
        .isInstanceOf(CommandFailure.class)
        .hasMessageContaining("JSON object");
    assertThatThrownBy(
            () ->
                CommandRequest.fromJson(
                    new JsonObject().put("device", "d").put("name", "#").put("correlationId", "c")))
        .hasMessageContaining("name");
    assertThatThrownBy(
            () ->
                CommandRequest.fromJson(
                    new JsonObject()
                        .put("device", "d")
                        .put("name", "n")
                        .put("correlationId", "c")
                        .put("params", "x")))
        .hasMessageContaining("wrong type");
    CommandRequest ok =
        CommandRequest.fromJson(
            new JsonObject().put("device", "d").put("name", "n").put("correlationId", "c"));
    assertThat(ok.tenant()).isEqualTo("default");
    assertThat(ok.params()).isEqualTo(new JsonObject());
    assertThat(ok.responseTopic()).isEqualTo("devices/d/commands/n/response");
  }
}
