package io.busbar.verticles.storage;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where the next (older) page of a telemetry query starts: rows strictly before {@code (ts,
 * metric)} in the reply order. Sent to clients as an opaque base64url token.
 *
 * @param ts the epoch ms of the oldest row of the previous page (a bucket start for bucketed pages)
 * @param metric that row's metric
 */
record PageCursor(long ts, String metric) {

  /** The token form: base64url of {@code ts:metric}. */
  String encode() {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((ts + ":" + metric).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a token made by {@link #encode()}.
   *
   * @throws InvalidRequestException naming {@code cursor} if it is not one
   */
  static PageCursor decode(String token) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int colon = text.indexOf(':');
      long ts = Long.parseLong(text.substring(0, colon));
      String metric = text.substring(colon + 1);
      if (metric.isEmpty() || !TelemetryQuery.inRange(ts)) {
        throw new IllegalArgumentException("out of range");
      }
      return new PageCursor(ts, metric);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new InvalidRequestException(
          "cursor", "cursor must be a token from a previous reply, got \"" + token + '"');
    }
  }
}
