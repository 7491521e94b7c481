package io.busbar.verticles.http;

import io.busbar.codecs.routing.DecoderTable;
import java.util.Objects;

/**
 * How devices write readings over HTTP ({@code POST /api/v1/devices/{id}/telemetry}).
 *
 * @param decoders the broker's topic → decoder table: the body is decoded as if the device had
 *     published it on {@code devices/{id}/telemetry}, choosing the decoder by {@code Content-Type}
 *     as MQTT 5 does by its content type
 * @param maxBodySize the largest body accepted, in bytes (a larger one is 413); the hub gives the
 *     MQTT listener's {@code mqtt.max-message-size}, so both transports take the same payloads
 */
public record IngestConfig(DecoderTable decoders, int maxBodySize) {

  /** As the MQTT listener's default largest packet (1 MiB). */
  public static final int DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException naming the key and the bad value
   */
  public IngestConfig {
    Objects.requireNonNull(decoders, "decoders");
    if (maxBodySize < 16) {
      throw new IllegalArgumentException(
          "http ingest maxBodySize must be at least 16, was " + maxBodySize);
    }
  }

  /** The design's default decoder table (JSON, CBOR, frames) and a 1 MiB limit. */
  public static IngestConfig defaults() {
    return new IngestConfig(DecoderTable.defaults(), DEFAULT_MAX_BODY_SIZE);
  }
}
