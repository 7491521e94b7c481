package io.busbar.verticles.kafka;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The JSON value of a command reply record: {@code {correlationId, device, name, status, response?,
 * code?, error?}}.
 *
 * <p>{@code status} is {@code ok} (with the device's {@code response}), {@code failed} (the
 * recipient refused, with its {@code code} and {@code error}), {@code timeout} (no answer in time),
 * {@code no-handler} (nothing on the hub takes commands) or {@code invalid} (the command record
 * could not be read, {@code error} says why).
 */
final class CommandReplies {

  static final String OK = "ok";
  static final String FAILED = "failed";
  static final String TIMEOUT = "timeout";
  static final String NO_HANDLER = "no-handler";
  static final String INVALID = "invalid";

  private CommandReplies() {}

  /** The device answered; {@code body} is whatever the bus reply carried. */
  static JsonObject ok(Command command, Object body) {
    Object response = body;
    if (!(body == null
        || body instanceof JsonObject
        || body instanceof JsonArray
        || body instanceof String
        || body instanceof Number
        || body instanceof Boolean)) {
      response = String.valueOf(body);
    }
    return base(command).put("status", OK).put("response", response);
  }

  /** The bus request failed: {@code failed}, {@code timeout} or {@code no-handler}. */
  static JsonObject failed(Command command, Throwable cause) {
    JsonObject reply = base(command);
    if (cause instanceof ReplyException re) {
      switch (re.failureType()) {
        case TIMEOUT -> reply.put("status", TIMEOUT);
        case NO_HANDLERS -> reply.put("status", NO_HANDLER);
        default -> reply.put("status", FAILED).put("code", re.failureCode());
      }
    } else {
      reply.put("status", FAILED);
    }
    return reply.put("error", String.valueOf(cause.getMessage()));
  }

  /** The record could not be read as a command. */
  static JsonObject invalid(String correlationId, String device, String reason) {
    return new JsonObject()
        .put("correlationId", correlationId)
        .put("device", device)
        .put("status", INVALID)
        .put("error", reason);
  }

  static String status(JsonObject reply) {
    return reply.getString("status");
  }

  private static JsonObject base(Command command) {
    return new JsonObject()
        .put("correlationId", command.correlationId())
        .put("device", command.device())
        .put("name", command.name());
  }
}
