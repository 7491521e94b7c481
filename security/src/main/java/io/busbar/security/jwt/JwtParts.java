package io.busbar.security.jwt;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reading the unverified parts of a compact JWS (RFC 7515 §7.1), shared by the authenticators. */
final class JwtParts {

  private static final Base64.Decoder B64URL = Base64.getUrlDecoder();

  private JwtParts() {}

  /**
   * The JSON object of a base64url header or payload part.
   *
   * @throws IllegalArgumentException when the part is empty, not base64url or not a JSON object
   */
  static JsonObject decodeJson(String part) {
    if (part.isEmpty()) {
      throw new IllegalArgumentException("empty part");
    }
    String json = new String(B64URL.decode(part), StandardCharsets.UTF_8);
    if (!(Json.decodeValue(json) instanceof JsonObject object)) {
      throw new IllegalArgumentException("not a JSON object");
    }
    return object;
  }

  /** A NumericDate claim in epoch milliseconds, or {@code null} when absent. */
  static Long epochMillis(JsonObject claims, String name) {
    Number seconds = (Number) claims.getValue(name);
    if (seconds == null) {
      return null;
    }
    double millis = seconds.doubleValue() * 1000;
    // NumericDate may be fractional (RFC 7519 §2); clamp absurd values instead of overflowing
    if (millis >= Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    if (millis <= Long.MIN_VALUE) {
      return Long.MIN_VALUE;
    }
    return (long) millis;
  }
}
