package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CommandTest {

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Verifies that a full command parses and becomes the documented bus request. */
  @Test
  void parsesFullCommand() {
    Command c =
        Command.parse(
            "pump-7",
            json(
                "{\"device\":\"pump-7\",\"tenant\":\"acme\",\"name\":\"setSpeed\","
                    + "\"params\":{\"rpm\":1200},\"correlationId\":\"c-1\",\"replyTo\":\"my.replies\"}"));
    assertThat(c)
        .isEqualTo(
            new Command(
                "pump-7",
                "acme",
                "setSpeed",
                new JsonObject().put("rpm", 1200),
                "c-1",
                "my.replies"));
    assertThat(c.toBusRequest())
        .isEqualTo(
            new JsonObject()
                .put("device", "pump-7")
                .put("name", "setSpeed")
                .put("params", new JsonObject().put("rpm", 1200))
                .put("correlationId", "c-1")
                .put("tenant", "acme"));
  }

  /** Verifies that the device may come from the key alone and params default to {}. */
  @Test
  void deviceFromKeyAndDefaultParams() {
    Command c = Command.parse("pump-7", json("{\"name\":\"stop\",\"correlationId\":\"c\"}"));
    assertThat(c.device()).isEqualTo("pump-7");
    assertThat(c.params()).isEqualTo(new JsonObject());
    assertThat(c.tenant()).isNull();
    assertThat(c.replyTo()).isNull();
    assertThat(c.toBusRequest().containsKey("tenant")).isFalse();
  }

  /** Verifies that each kind of bad record is refused with a reason naming the field. */
  @Test
  void refusesBadRecordsNamingTheReason() {
    assertThatThrownBy(() -> Command.parse("d", json("not json")))
        .isInstanceOf(InvalidCommandException.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> Command.parse("d", json("[1,2]")))
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> Command.parse("d", null)).hasMessageContaining("no value");
    assertThatThrownBy(() -> Command.parse("d", new byte[0])).hasMessageContaining("no value");
    assertThatThrownBy(() -> Command.parse(null, json("{\"name\":\"n\",\"correlationId\":\"c\"}")))
        .hasMessageContaining("device is missing");
    assertThatThrownBy(
            () ->
                Command.parse(
                    "a", json("{\"device\":\"b\",\"name\":\"n\",\"correlationId\":\"c\"}")))
        .hasMessageContaining("differs from the record key");
    assertThatThrownBy(() -> Command.parse("d", json("{\"correlationId\":\"c\"}")))
        .hasMessageContaining("name is missing");
    assertThatThrownBy(() -> Command.parse("d", json("{\"name\":\"n\"}")))
        .hasMessageContaining("correlationId is missing");
    assertThatThrownBy(() -> Command.parse("d", json("{\"name\":5,\"correlationId\":\"c\"}")))
        .hasMessageContaining("name must be a string");
    assertThatThrownBy(
            () ->
                Command.parse("d", json("{\"name\":\"n\",\"correlationId\":\"c\",\"params\":[1]}")))
        .hasMessageContaining("params must be a JSON object");
    assertThatThrownBy(() -> Command.parse("d/+", json("{\"name\":\"n\",\"correlationId\":\"c\"}")))
        .hasMessageContaining("device");
    assertThatThrownBy(() -> Command.parse("d", json("{\"name\":\"a/#\",\"correlationId\":\"c\"}")))
        .hasMessageContaining("name");
    assertThatThrownBy(
            () ->
                Command.parse(
                    "d",
                    json("{\"name\":\"n\",\"correlationId\":\"c\",\"replyTo\":\"no spaces\"}")))
        .hasMessageContaining("replyTo");
  }

  /** Verifies that a correlation id is found in a value that is otherwise not a valid command. */
  @Test
  void correlationIdOfBrokenCommands() {
    assertThat(Command.correlationIdOf(json("{\"correlationId\":\"c-9\"}"))).isEqualTo("c-9");
    assertThat(Command.correlationIdOf(json("{\"correlationId\":7}"))).isNull();
    assertThat(Command.correlationIdOf(json("garbage"))).isNull();
  }

  /** Verifies the reply bodies for each outcome of the bus request. */
  @Test
  void repliesByOutcome() {
    Command c = Command.parse("d", json("{\"name\":\"n\",\"correlationId\":\"c\"}"));
    assertThat(CommandReplies.ok(c, new JsonObject().put("rpm", 1)))
        .isEqualTo(
            new JsonObject()
                .put("correlationId", "c")
                .put("device", "d")
                .put("name", "n")
                .put("status", "ok")
                .put("response", new JsonObject().put("rpm", 1)));
    assertThat(
            CommandReplies.failed(
                    c, new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503, "offline"))
                .getMap())
        .containsEntry("status", "failed")
        .containsEntry("code", 503)
        .containsEntry("error", "offline");
    assertThat(CommandReplies.failed(c, new ReplyException(ReplyFailure.TIMEOUT, "t")).getMap())
        .containsEntry("status", "timeout");
    assertThat(
            CommandReplies.failed(c, new ReplyException(ReplyFailure.NO_HANDLERS, "none")).getMap())
        .containsEntry("status", "no-handler");
    assertThat(CommandReplies.invalid("c", null, "why").getMap())
        .containsEntry("status", "invalid")
        .containsEntry("error", "why");
  }
}
