package io.busbar.verticles.kafka;

import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * Turns events, dead letters and command replies into Kafka records in the CloudEvents Kafka
 * protocol binding, binary content mode (CloudEvents Kafka binding 1.0 §3.2): the value is the
 * event data as JSON, {@code content-type: application/json} declares it (§3.2.1), and every other
 * attribute is a {@code ce_}-prefixed UTF-8 header (§3.2.3): {@code ce_specversion}, {@code ce_id},
 * {@code ce_source}, {@code ce_type}, {@code ce_time}, {@code ce_subject}, plus the extensions
 * {@code ce_partitionkey} (the device, also the record key, §3.1) and {@code ce_tenant}.
 *
 * <p>The record key is the device id, so every record of one device lands in one partition and
 * keeps its order.
 *
 * <p>Thread-safe; ids are unique per instance (a random prefix and a counter).
 */
final class CloudEventRecords {

  static final String SPEC_VERSION = "1.0";
  static final String TELEMETRY_TYPE = "io.busbar.telemetry.v1";
  static final String DEAD_LETTER_TYPE = "io.busbar.deadletter.v1";
  static final String COMMAND_REPLY_TYPE = "io.busbar.command.reply.v1";
  static final String CONTENT_TYPE = "application/json";

  private final String nodeId;
  private final String idPrefix = UUID.randomUUID().toString();
  private final AtomicLong nextId = new AtomicLong();

  CloudEventRecords(String nodeId) {
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
  }

  /** One reading as a record on {@code topic}; the value is {@link #eventJson(Event)}. */
  ProducerRecord<String, byte[]> telemetry(String topic, Event e) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(topic, e.deviceId(), eventJson(e).toBuffer().getBytes());
    addHeaders(
        record.headers(),
        TELEMETRY_TYPE,
        source(e.sourceTopic()),
        e.timestamp(),
        e.deviceId(),
        e.tenant());
    return record;
  }

  /** One dead letter as a record on {@code topic}; the value is {@link #deadLetterJson}. */
  ProducerRecord<String, byte[]> deadLetter(String topic, DeadLetter d) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(topic, d.deviceId(), deadLetterJson(d).toBuffer().getBytes());
    addHeaders(
        record.headers(),
        DEAD_LETTER_TYPE,
        source(d.topic()),
        d.receivedAt(),
        d.deviceId(),
        d.tenant());
    return record;
  }

  /**
   * A command reply as a record on {@code topic}, keyed by {@code device} when known; the
   * correlation id is also in the {@code ce_correlationid} extension header.
   */
  ProducerRecord<String, byte[]> commandReply(
      String topic, String device, String tenant, String correlationId, JsonObject reply) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(topic, device, reply.toBuffer().getBytes());
    addHeaders(
        record.headers(),
        COMMAND_REPLY_TYPE,
        source("commands"),
        System.currentTimeMillis(),
        device,
        tenant);
    if (correlationId != null) {
      record.headers().add("ce_correlationid", utf8(correlationId));
    }
    return record;
  }

  private void addHeaders(
      Headers headers, String type, String source, long time, String subject, String tenant) {
    headers.add("ce_specversion", utf8(SPEC_VERSION));
    headers.add("ce_id", utf8(idPrefix + "-" + nextId.getAndIncrement()));
    headers.add("ce_source", utf8(source));
    headers.add("ce_type", utf8(type));
    headers.add("ce_time", utf8(rfc3339(time)));
    if (subject != null) {
      headers.add("ce_subject", utf8(subject));
      headers.add("ce_partitionkey", utf8(subject));
    }
    if (tenant != null) {
      headers.add("ce_tenant", utf8(tenant));
    }
    headers.add("content-type", utf8(CONTENT_TYPE));
  }

  /**
   * Returns {@code /busbar/{nodeId}/{topic segments}}, each segment percent-encoded (RFC 3986 §2.1)
   * so any MQTT topic gives a valid URI-reference, as CloudEvents 1.0 requires of {@code source}.
   */
  String source(String topic) {
    StringBuilder sb = new StringBuilder("/busbar/").append(percentEncode(nodeId));
    for (String segment : topic.split("/", -1)) {
      sb.append('/').append(percentEncode(segment));
    }
    return sb.toString();
  }

  /**
   * Returns {@code {tenant, device, metric, ts, value, quality, unit, topic}}; {@code ts} is epoch
   * ms, {@code value} a number, string or boolean, {@code unit} null when unknown.
   */
  static JsonObject eventJson(Event e) {
    return new JsonObject()
        .put("tenant", e.tenant())
        .put("device", e.deviceId())
        .put("metric", e.metric())
        .put("ts", e.timestamp())
        .put("value", e.value().toJava())
        .put("quality", e.quality().name())
        .put("unit", e.unit())
        .put("topic", e.sourceTopic());
  }

  /**
   * Returns {@code {tenant, device, topic, reason, receivedAt, payload}}; {@code payload} is the
   * original bytes in base64.
   */
  static JsonObject deadLetterJson(DeadLetter d) {
    return new JsonObject()
        .put("tenant", d.tenant())
        .put("device", d.deviceId())
        .put("topic", d.topic())
        .put("reason", d.reason())
        .put("receivedAt", d.receivedAt())
        .put("payload", Base64.getEncoder().encodeToString(d.payload()));
  }

  /** RFC 3339 (a profile of ISO 8601) in UTC, e.g. {@code 2025-01-01T12:00:00.123Z}. */
  static String rfc3339(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).toString();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Keeps RFC 3986 unreserved characters, percent-encodes every other UTF-8 byte. */
  static String percentEncode(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
