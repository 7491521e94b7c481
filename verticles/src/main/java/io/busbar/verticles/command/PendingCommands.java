package io.busbar.verticles.command;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The commands waiting for their device's response, by tenant and correlation id, and the matching
 * of responses to them (MQTT 5.0 §4.10 request/response): by the correlation data an MQTT 5 device
 * copies from the request, or, for MQTT 3.1.1 devices, by a {@code correlationId} member of the
 * JSON response body. A response must also arrive on the command's response topic in the command's
 * tenant.
 *
 * <p>Plain Java; used from one event-loop context only, so it needs no locks.
 *
 * @param <T> what the owner keeps per command (e.g. its reply callback and timer)
 */
public final class PendingCommands<T> {

  /** One command waiting for its response. */
  public record Pending<T>(CommandRequest request, T handle) {}

  private final Map<String, Pending<T>> pending = new HashMap<>();

  private static String key(String tenant, String correlationId) {
    return tenant + '\u0000' + correlationId;
  }

  /**
   * Adds a command; returns false (and adds nothing) when its correlation id is already waiting.
   */
  public boolean add(CommandRequest request, T handle) {
    return pending.putIfAbsent(
            key(request.tenant(), request.correlationId()), new Pending<>(request, handle))
        == null;
  }

  /** Removes a command (e.g. on timeout); {@code null} when it is no longer waiting. */
  public Pending<T> remove(String tenant, String correlationId) {
    return pending.remove(key(tenant, correlationId));
  }

  public int size() {
    return pending.size();
  }

  /**
   * Takes the command a delivered message answers, if any.
   *
   * @param delivered a message from the broker's bus bridge: {@code {tenant, topic, payloadText?,
   *     correlationData? (base64)}}
   * @return the command, removed from the table; {@code null} when the message answers none
   */
  public Pending<T> match(JsonObject delivered) {
    String tenant = delivered.getString("tenant");
    String topic = delivered.getString("topic");
    String correlationId = correlationId(delivered);
    if (tenant == null || topic == null || correlationId == null) {
      return null;
    }
    String key = key(tenant, correlationId);
    Pending<T> p = pending.get(key);
    if (p == null || !p.request().responseTopic().equals(topic)) {
      return null;
    }
    return pending.remove(key);
  }

  /** The correlation data as UTF-8, else the {@code correlationId} of a JSON body, else null. */
  static String correlationId(JsonObject delivered) {
    String data = delivered.getString("correlationData");
    if (data != null) {
      try {
        return new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    JsonObject body = jsonBody(delivered);
    return body != null && body.getValue("correlationId") instanceof String s ? s : null;
  }

  /**
   * The device's response as the caller gets it: the JSON object it sent, {@code {}} for an empty
   * payload, {@code {"payloadText"}} for other text, {@code {"payload"}} (base64) for binary.
   */
  public static JsonObject responseBody(JsonObject delivered) {
    JsonObject json = jsonBody(delivered);
    if (json != null) {
      return json;
    }
    String text = delivered.getString("payloadText");
    if (text != null) {
      return text.isEmpty() ? new JsonObject() : new JsonObject().put("payloadText", text);
    }
    String payload = delivered.getString("payload", "");
    return payload.isEmpty() ? new JsonObject() : new JsonObject().put("payload", payload);
  }

  private static JsonObject jsonBody(JsonObject delivered) {
    String text = delivered.getString("payloadText");
    if (text == null || !text.strip().startsWith("{")) {
      return null;
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      return null;
    }
  }
}
