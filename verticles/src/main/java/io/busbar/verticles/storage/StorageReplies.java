package io.busbar.verticles.storage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The reply shapes of the storage addresses, shared by every backend (DuckDB, PostgreSQL) so the
 * event-bus contract is the same whichever database answers. Plain values in, JSON out; any thread.
 */
final class StorageReplies {

  private StorageReplies() {}

  /**
   * One raw reading {@code {metric, ts, value, quality, unit}}; the value is whichever of {@code
   * num}, {@code txt}, {@code bool} is set (NaN and infinities become {@code null}).
   */
  static JsonObject reading(
      String metric, long ts, Double num, String txt, Boolean bool, String quality, String unit) {
    Object value = num != null ? finiteOrNull(num) : txt != null ? txt : bool;
    return new JsonObject()
        .put("metric", metric)
        .put("ts", ts)
        .put("value", value)
        .put("quality", quality)
        .put("unit", unit);
  }

  /** One bucket {@code {metric, ts, value}}: a {@link Long} for count, else a Double or null. */
  static JsonObject bucket(String metric, long bucketStart, Object value) {
    Object v = value instanceof Double d ? finiteOrNull(d) : value;
    return new JsonObject().put("metric", metric).put("ts", bucketStart).put("value", v);
  }

  /** Reverses newest-first rows (the order a top-N query yields) into the reply's oldest-first. */
  static JsonArray oldestFirst(List<JsonObject> newestFirst) {
    JsonArray oldestFirst = new JsonArray();
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      oldestFirst.add(newestFirst.get(i));
    }
    return oldestFirst;
  }

  /**
   * A page of rows, oldest first, with a cursor at its oldest row when it is full ({@code limit}
   * rows), so more may exist.
   */
  static TelemetryPage page(JsonArray oldestFirst, int limit) {
    if (oldestFirst.size() < limit || oldestFirst.isEmpty()) {
      return new TelemetryPage(oldestFirst, null);
    }
    JsonObject oldest = oldestFirst.getJsonObject(0);
    return new TelemetryPage(
        oldestFirst, new PageCursor(oldest.getLong("ts"), oldest.getString("metric")));
  }

  /**
   * One dead letter {@code {tenant, device, topic, reason, payload, payloadText, receivedAt}}:
   * payload in base64, payloadText only when the payload is valid UTF-8.
   */
  static JsonObject deadLetter(
      String tenant, String device, String topic, String reason, byte[] payload, long receivedAt) {
    byte[] bytes = payload == null ? new byte[0] : payload;
    return new JsonObject()
        .put("tenant", tenant)
        .put("device", device)
        .put("topic", topic)
        .put("reason", reason)
        .put("payload", Base64.getEncoder().encodeToString(bytes))
        .put("payloadText", utf8OrNull(bytes))
        .put("receivedAt", receivedAt);
  }

  static Double finiteOrNull(double d) {
    // JSON has no NaN or infinity
    return Double.isFinite(d) ? d : null;
  }

  private static String utf8OrNull(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
