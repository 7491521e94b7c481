package io.busbar.verticles.kafka;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A device command read from the command topic.
 *
 * <p>Record: key = device id, value = JSON {@code {device, tenant?, name, params, correlationId,
 * replyTo?}}. The value's {@code device} may be left out when the key names the device; when both
 * are given they must agree.
 *
 * @param device the device to command
 * @param tenant the device's tenant, or {@code null}
 * @param name the command name, the last level of {@code devices/{device}/commands/{name}}
 * @param params the command's parameters ({@code {}} when none)
 * @param correlationId the caller's id, copied into the reply
 * @param replyTo the topic for the reply, or {@code null} for the configured reply topic
 */
record Command(
    String device,
    String tenant,
    String name,
    JsonObject params,
    String correlationId,
    String replyTo) {

  /** Longest accepted device id, command name and correlation id. */
  static final int MAX_FIELD_LENGTH = 256;

  Command {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(correlationId, "correlationId");
  }

  /**
   * Parses a command record.
   *
   * @throws InvalidCommandException naming the field, if the value is not a JSON object or a field
   *     is missing, of the wrong type, or not usable in an MQTT topic level
   */
  static Command parse(String key, byte[] value) {
    if (value == null || value.length == 0) {
      throw new InvalidCommandException("the record has no value; expected a JSON object");
    }
    JsonObject json;
    try {
      json = new JsonObject(new String(value, StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException e) {
      throw new InvalidCommandException("the value is not a JSON object: " + firstLine(e));
    }
    String device = optionalString(json, "device");
    if (device == null) {
      device = key;
    } else if (key != null && !key.equals(device)) {
      throw new InvalidCommandException(
          "device '" + device + "' differs from the record key '" + key + "'");
    }
    if (device == null) {
      throw new InvalidCommandException("device is missing (neither in the value nor the key)");
    }
    topicLevel("device", device);
    String name = optionalString(json, "name");
    if (name == null) {
      throw new InvalidCommandException("name is missing");
    }
    topicLevel("name", name);
    String correlationId = optionalString(json, "correlationId");
    if (correlationId == null) {
      throw new InvalidCommandException("correlationId is missing");
    }
    if (correlationId.isEmpty() || correlationId.length() > MAX_FIELD_LENGTH) {
      throw new InvalidCommandException(
          "correlationId must have 1.." + MAX_FIELD_LENGTH + " characters");
    }
    Object params = json.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      throw new InvalidCommandException("params must be a JSON object");
    }
    String replyTo = optionalString(json, "replyTo");
    if (replyTo != null && !ConfigChecks.isTopic(replyTo)) {
      throw new InvalidCommandException("replyTo '" + replyTo + "' is not a Kafka topic name");
    }
    return new Command(
        device,
        optionalString(json, "tenant"),
        name,
        params == null ? new JsonObject() : (JsonObject) params,
        correlationId,
        replyTo);
  }

  /** The correlation id of a record that may not parse, or {@code null}; never throws. */
  static String correlationIdOf(byte[] value) {
    try {
      Object id =
          new JsonObject(new String(value, StandardCharsets.UTF_8)).getValue("correlationId");
      return id instanceof String s && !s.isEmpty() && s.length() <= MAX_FIELD_LENGTH ? s : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The request sent on {@link io.busbar.codecs.bus.Addresses#COMMANDS}. */
  JsonObject toBusRequest() {
    JsonObject request =
        new JsonObject()
            .put("device", device)
            .put("name", name)
            .put("params", params.copy())
            .put("correlationId", correlationId);
    if (tenant != null) {
      request.put("tenant", tenant);
    }
    return request;
  }

  private static String optionalString(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new InvalidCommandException(field + " must be a string");
    }
    return s;
  }

  /** MQTT 3.1.1 §4.7.1 / 5.0 §4.7.1: no wildcards or separators inside one topic level. */
  private static void topicLevel(String field, String value) {
    if (value.isEmpty() || value.length() > MAX_FIELD_LENGTH) {
      throw new InvalidCommandException(
          field + " must have 1.." + MAX_FIELD_LENGTH + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '/' || c == '+' || c == '#' || c == '\u0000') {
        throw new InvalidCommandException(
            field + " '" + value + "' must not contain '/', '+', '#' or NUL");
      }
    }
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
