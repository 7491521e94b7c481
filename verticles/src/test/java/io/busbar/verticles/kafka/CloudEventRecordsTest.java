package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CloudEventRecordsTest {

  private final CloudEventRecords records = new CloudEventRecords("node-1");

  private static Map<String, String> headers(ProducerRecord<String, byte[]> record) {
    Map<String, String> map = new LinkedHashMap<>();
    record.headers().forEach(h -> map.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
    return map;
  }

  private static JsonObject value(ProducerRecord<String, byte[]> record) {
    return new JsonObject(new String(record.value(), StandardCharsets.UTF_8));
  }

  /**
   * Verifies that a reading becomes a binary-mode CloudEvent (Kafka binding §3.2): key = device,
   * value = the JSON data, content-type and ce_ headers.
   */
  @Test
  void telemetryRecordIsBinaryModeCloudEvent() {
    Event e =
        new Event(
            "acme",
            "pump-7",
            "temperature",
            1_700_000_000_123L,
            Value.of(21.5),
            Quality.GOOD,
            "°C",
            "devices/pump-7/telemetry");

    ProducerRecord<String, byte[]> record = records.telemetry("busbar.telemetry", e);

    assertThat(record.topic()).isEqualTo("busbar.telemetry");
    assertThat(record.key()).isEqualTo("pump-7");
    assertThat(value(record))
        .isEqualTo(
            new JsonObject()
                .put("tenant", "acme")
                .put("device", "pump-7")
                .put("metric", "temperature")
                .put("ts", 1_700_000_000_123L)
                .put("value", 21.5)
                .put("quality", "GOOD")
                .put("unit", "°C")
                .put("topic", "devices/pump-7/telemetry"));
    Map<String, String> h = headers(record);
    assertThat(h)
        .containsEntry("ce_specversion", "1.0")
        .containsEntry("ce_type", "io.busbar.telemetry.v1")
        .containsEntry("ce_source", "/busbar/node-1/devices/pump-7/telemetry")
        .containsEntry("ce_subject", "pump-7")
        .containsEntry("ce_partitionkey", "pump-7")
        .containsEntry("ce_tenant", "acme")
        .containsEntry("ce_time", "2023-11-14T22:13:20.123Z")
        .containsEntry("content-type", "application/json");
    assertThat(h.get("ce_id")).isNotBlank();
    assertThat(Instant.parse(h.get("ce_time")).toEpochMilli()).isEqualTo(1_700_000_000_123L);
    // binary mode: no datacontenttype attribute besides content-type, no data header
    assertThat(h).doesNotContainKeys("ce_datacontenttype", "ce_data");
  }

  /** Verifies that text and boolean values and an unknown unit keep their JSON types. */
  @Test
  void valuesKeepTheirJsonTypes() {
    Event text = new Event("t", "d", "state", 1, Value.of("RUNNING"), Quality.STALE, null, "x");
    Event bool = new Event("t", "d", "door", 1, Value.of(true), Quality.BAD, null, "x");
    assertThat(value(records.telemetry("t", text)).getValue("value")).isEqualTo("RUNNING");
    assertThat(value(records.telemetry("t", text)).containsKey("unit")).isTrue();
    assertThat(value(records.telemetry("t", text)).getString("unit")).isNull();
    assertThat(value(records.telemetry("t", bool)).getValue("value")).isEqualTo(true);
    assertThat(value(records.telemetry("t", bool)).getString("quality")).isEqualTo("BAD");
  }

  /** Verifies that every record gets its own ce_id. */
  @Test
  void idsAreUnique() {
    Event e = new Event("t", "d", "m", 1, Value.of(1), Quality.GOOD, null, "x");
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      ids.add(headers(records.telemetry("t", e)).get("ce_id"));
    }
    ids.add(headers(new CloudEventRecords("node-1").telemetry("t", e)).get("ce_id"));
    assertThat(ids).hasSize(1_001);
  }

  /** Verifies that topic levels are percent-encoded so ce_source stays a URI-reference. */
  @Test
  void sourceIsPercentEncodedPerLevel() {
    assertThat(records.source("spBv1.0/plant 1/DDATA/edge/ü#1"))
        .isEqualTo("/busbar/node-1/spBv1.0/plant%201/DDATA/edge/%C3%BC%231");
    assertThat(records.source("/a//b")).isEqualTo("/busbar/node-1//a//b");
    assertThat(new CloudEventRecords("n/1").source("t")).isEqualTo("/busbar/n%2F1/t");
  }

  /** Verifies that a dead letter keeps its reason and original payload (base64). */
  @Test
  void deadLetterRecord() {
    DeadLetter d =
        new DeadLetter(
            "acme",
            "pump-7",
            "devices/pump-7/telemetry",
            "not JSON at offset 0",
            new byte[] {1, 2, (byte) 0xff},
            1_000L);

    ProducerRecord<String, byte[]> record = records.deadLetter("busbar.deadletters", d);

    assertThat(record.key()).isEqualTo("pump-7");
    JsonObject v = value(record);
    assertThat(v.getString("reason")).isEqualTo("not JSON at offset 0");
    // standard base64 (RFC 4648 §4), what most consumers expect
    assertThat(java.util.Base64.getDecoder().decode(v.getString("payload")))
        .containsExactly(1, 2, 0xff);
    assertThat(v.getLong("receivedAt")).isEqualTo(1_000L);
    assertThat(headers(record))
        .containsEntry("ce_type", "io.busbar.deadletter.v1")
        .containsEntry("ce_time", "1970-01-01T00:00:01Z")
        .containsEntry("ce_subject", "pump-7");
  }

  /** Verifies that a command reply carries the correlation id as a header extension too. */
  @Test
  void commandReplyRecord() {
    ProducerRecord<String, byte[]> record =
        records.commandReply(
            "busbar.command-replies", "pump-7", null, "c-1", new JsonObject().put("status", "ok"));
    assertThat(record.key()).isEqualTo("pump-7");
    assertThat(headers(record))
        .containsEntry("ce_type", "io.busbar.command.reply.v1")
        .containsEntry("ce_correlationid", "c-1")
        .containsEntry("ce_source", "/busbar/node-1/commands")
        .doesNotContainKey("ce_tenant");
    // an unreadable command may have no device: no key, no subject
    ProducerRecord<String, byte[]> anonymous =
        records.commandReply("r", null, null, "c-2", new JsonObject());
    assertThat(anonymous.key()).isNull();
    assertThat(headers(anonymous)).doesNotContainKey("ce_subject");
  }
}
