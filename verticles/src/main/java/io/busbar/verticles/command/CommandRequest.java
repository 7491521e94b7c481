package io.busbar.verticles.command;

import io.busbar.security.Principal;
import io.vertx.core.json.JsonObject;

/**
 * A command for a device, as requested on {@code busbar.commands}: {@code {device, tenant?, name,
 * params?, correlationId, timeoutMs?}}.
 *
 * @param device the device id, one topic level
 * @param tenant the device's tenant ({@code default} when not given)
 * @param name the command name, one topic level
 * @param params the parameters ({@code {}} when none)
 * @param correlationId the caller's id, sent as MQTT 5 correlation data and in the payload
 * @param timeoutMs how long to wait for the response, or 0 for the configured default
 */
public record CommandRequest(
    String device,
    String tenant,
    String name,
    JsonObject params,
    String correlationId,
    long timeoutMs) {

  /** Longest accepted device id, command name and correlation id. */
  public static final int MAX_FIELD_LENGTH = 256;

  /**
   * Reads and checks a request.
   *
   * @throws CommandFailure with {@link CommandFailure#BAD_REQUEST} naming the bad field
   */
  public static CommandRequest fromJson(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw bad("request must be a JSON object");
    }
    try {
      String device = topicLevel(json, "device");
      String name = topicLevel(json, "name");
      String tenant = json.getString("tenant", Principal.DEFAULT_TENANT);
      if (tenant.isEmpty()) {
        throw bad("tenant must not be empty");
      }
      JsonObject params = json.getJsonObject("params", new JsonObject());
      String correlationId = json.getString("correlationId");
      if (correlationId == null
          || correlationId.isEmpty()
          || correlationId.length() > MAX_FIELD_LENGTH) {
        throw bad("correlationId is required, 1 to " + MAX_FIELD_LENGTH + " characters");
      }
      Long timeout = json.getLong("timeoutMs", 0L);
      if (timeout < 0) {
        throw bad("timeoutMs must not be negative, got " + timeout);
      }
      return new CommandRequest(device, tenant, name, params, correlationId, timeout);
    } catch (ClassCastException e) {
      throw bad("a field has the wrong type: " + e.getMessage());
    }
  }

  private static String topicLevel(JsonObject json, String field) {
    String value = json.getString(field);
    if (value == null || value.isEmpty()) {
      throw bad(field + " is required");
    }
    if (value.length() > MAX_FIELD_LENGTH) {
      throw bad(field + " is longer than " + MAX_FIELD_LENGTH + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      // MQTT §4.7: one topic level, no wildcards; no NUL (§1.5.4)
      if (c == '/' || c == '+' || c == '#' || c == '\u0000') {
        throw bad(field + " must be one topic level without / + # or NUL, got '" + value + "'");
      }
    }
    return value;
  }

  private static CommandFailure bad(String message) {
    return new CommandFailure(CommandFailure.BAD_REQUEST, message);
  }

  /** The topic the command goes to: {@code devices/{device}/commands/{name}}. */
  public String commandTopic() {
    return "devices/" + device + "/commands/" + name;
  }

  /** The topic the device answers on: {@code devices/{device}/commands/{name}/response}. */
  public String responseTopic() {
    return commandTopic() + "/response";
  }

  /**
   * The payload sent to the device: {@code {"correlationId", "params"}}; MQTT 3.1.1 devices have no
   * correlation data property and echo the id from here.
   */
  public JsonObject payload() {
    return new JsonObject().put("correlationId", correlationId).put("params", params);
  }
}
