package io.busbar.codecs.sparkplug;

import static io.busbar.codecs.sparkplug.Payloads.bdSeq;
import static io.busbar.codecs.sparkplug.Payloads.bytes;
import static io.busbar.codecs.sparkplug.Payloads.le;
import static io.busbar.codecs.sparkplug.Payloads.metric;
import static io.busbar.codecs.sparkplug.Payloads.payload;
import static io.busbar.codecs.sparkplug.Payloads.withUnit;
import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.busbar.codecs.routing.DecoderTable;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.DataSet;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.MetaData;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Template;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Golden tests of payloads built with the generated protobuf classes (Sparkplug 3.0 §6.4). */
@Timeout(30)
class SparkplugDecoderTest {

  private static final String NBIRTH = "spBv1.0/plant/NBIRTH/edge1";
  private static final long T = 1_732_440_000_000L;

  private static MessageContext ctx(String topic) {
    return new MessageContext("acme", "ignored", topic, T + 5, null);
  }

  private static List<Event> events(DecodeResult result) {
    assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
    return ((DecodeResult.Decoded) result).events();
  }

  private static String reason(DecodeResult result) {
    assertThat(result).isInstanceOf(DecodeResult.Rejected.class);
    return ((DecodeResult.Rejected) result).reason();
  }

  private static Value value(List<Event> events, String metric) {
    return events.stream()
        .filter(e -> e.metric().equals(metric))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no event " + metric + " in " + events))
        .value();
  }

  /** Verifies that every metric datatype of §6.4.16 decodes to a sensible typed value. */
  @Test
  void decodesEveryDatatype() {
    Template instance =
        Template.newBuilder()
            .setTemplateRef("Motor")
            .addMetrics(metric("rpm", -1, DataType.UInt16).setIntValue(1500))
            .addMetrics(metric("on", -1, DataType.Boolean).setBooleanValue(true))
            .build();
    Template definition =
        Template.newBuilder()
            .setIsDefinition(true)
            .addMetrics(metric("rpm", -1, DataType.UInt16))
            .build();
    DataSet ds =
        DataSet.newBuilder()
            .setNumOfColumns(2)
            .addColumns("t")
            .addColumns("v")
            .addTypes(DataType.DateTime_VALUE)
            .addTypes(DataType.Double_VALUE)
            .addRows(DataSet.Row.newBuilder())
            .build();
    Payload p =
        payload(
            T,
            0L,
            bdSeq(3),
            metric("i8", 1, DataType.Int8).setIntValue(-5 & 0xFF).build(), // two's complement
            metric("i16", 2, DataType.Int16).setIntValue(-300).build(), // uint32 of -300
            metric("i32", 3, DataType.Int32).setIntValue(Integer.MIN_VALUE).build(),
            metric("i64", 4, DataType.Int64).setLongValue(-7L).build(),
            metric("u8", 5, DataType.UInt8).setIntValue(255).build(),
            metric("u16", 6, DataType.UInt16).setIntValue(65535).build(),
            metric("u32", 7, DataType.UInt32).setLongValue(4_294_967_295L).build(),
            metric("u64", 8, DataType.UInt64).setLongValue(-1L).build(),
            withUnit(metric("f", 9, DataType.Float).setFloatValue(1.5f), "°C").build(),
            metric("d", 10, DataType.Double).setDoubleValue(2.25).build(),
            metric("b", 11, DataType.Boolean).setBooleanValue(true).build(),
            metric("s", 12, DataType.String).setStringValue("RUN").build(),
            metric("dt", 13, DataType.DateTime).setLongValue(T).build(),
            metric("txt", 14, DataType.Text).setStringValue("long text").build(),
            metric("id", 15, DataType.UUID).setStringValue("6b1f").build(),
            metric("ds", 16, DataType.DataSet).setDatasetValue(ds).build(),
            metric("raw", 17, DataType.Bytes).setBytesValue(le(1, 2, 3)).build(),
            metric("doc", 18, DataType.File)
                .setMetadata(MetaData.newBuilder().setFileName("a.csv"))
                .setBytesValue(le(1, 2))
                .build(),
            metric("Motors/m1", 19, DataType.Template).setTemplateValue(instance).build(),
            metric("_types_/Motor", -1, DataType.Template).setTemplateValue(definition).build(),
            metric("a16", 20, DataType.Int16Array)
                .setBytesValue(le(0xFF, 0xFF, 0x02, 0x00))
                .build(),
            metric("abool", 21, DataType.BooleanArray)
                .setBytesValue(le(3, 0, 0, 0, 0b1010_0000))
                .build(),
            metric("astr", 22, DataType.StringArray).setBytesValue(le('a', 0, 'b', 'c', 0)).build(),
            metric("afloat", 23, DataType.FloatArray)
                .setBytesValue(le(0, 0, 0xC0, 0x3F)) // 1.5f little-endian
                .build(),
            metric("nothing", 24, DataType.Double).setIsNull(true).build());
    List<Event> events =
        events(new SparkplugDecoder(new SparkplugHostState()).decode(ctx(NBIRTH), bytes(p)));

    assertThat(value(events, "i8")).isEqualTo(Value.of(-5));
    assertThat(value(events, "i16")).isEqualTo(Value.of(-300));
    assertThat(value(events, "i32")).isEqualTo(Value.of(Integer.MIN_VALUE));
    assertThat(value(events, "i64")).isEqualTo(Value.of(-7));
    assertThat(value(events, "u8")).isEqualTo(Value.of(255));
    assertThat(value(events, "u16")).isEqualTo(Value.of(65535));
    assertThat(value(events, "u32")).isEqualTo(Value.of(4_294_967_295.0));
    assertThat(value(events, "u64")).isEqualTo(Value.of(18446744073709551615.0));
    assertThat(value(events, "f")).isEqualTo(Value.of(1.5));
    assertThat(value(events, "d")).isEqualTo(Value.of(2.25));
    assertThat(value(events, "b")).isEqualTo(Value.of(true));
    assertThat(value(events, "s")).isEqualTo(Value.of("RUN"));
    assertThat(value(events, "dt")).isEqualTo(Value.of("2024-11-24T09:20:00Z"));
    assertThat(value(events, "txt")).isEqualTo(Value.of("long text"));
    assertThat(value(events, "id")).isEqualTo(Value.of("6b1f"));
    assertThat(value(events, "ds")).isEqualTo(Value.of("DataSet 1×2 [t:DateTime, v:Double]"));
    assertThat(value(events, "raw")).isEqualTo(Value.of("bytes[3]"));
    assertThat(value(events, "doc")).isEqualTo(Value.of("a.csv (2 bytes)"));
    assertThat(value(events, "Motors/m1/rpm")).isEqualTo(Value.of(1500));
    assertThat(value(events, "Motors/m1/on")).isEqualTo(Value.of(true));
    assertThat(events).noneMatch(e -> e.metric().startsWith("_types_"));
    assertThat(value(events, "a16")).isEqualTo(Value.of("[-1, 2]"));
    assertThat(value(events, "abool")).isEqualTo(Value.of("[true, false, true]"));
    assertThat(value(events, "astr")).isEqualTo(Value.of("[\"a\", \"bc\"]"));
    assertThat(value(events, "afloat")).isEqualTo(Value.of("[1.5]"));
    Event f = events.stream().filter(e -> e.metric().equals("f")).findFirst().orElseThrow();
    assertThat(f.unit()).isEqualTo("°C");
    assertThat(f.deviceId()).isEqualTo("plant:edge1");
    assertThat(f.tenant()).isEqualTo("acme");
    assertThat(f.timestamp()).isEqualTo(T);
    assertThat(f.quality()).isEqualTo(Quality.GOOD);
    Event nul = events.stream().filter(e -> e.metric().equals("nothing")).findFirst().orElseThrow();
    assertThat(nul.quality()).isEqualTo(Quality.BAD);
  }

  /**
   * Verifies that payloads that are not Sparkplug B, or break their datatype, are rejected
   * precisely.
   */
  @Test
  void rejectsBadPayloadsWithPreciseReasons() {
    SparkplugDecoder decoder = new SparkplugDecoder(new SparkplugHostState());
    assertThat(reason(decoder.decode(ctx(NBIRTH), Buffer.buffer(new byte[] {0x12, 0x7F, 0x01}))))
        .startsWith("NBIRTH of plant:edge1: malformed Sparkplug B protobuf at offset");
    assertThat(reason(decoder.decode(ctx("spBv1.0/plant/NDATA"), Buffer.buffer())))
        .contains("levels");
    assertThat(reason(decoder.decode(ctx(NBIRTH), bytes(payload(T, null, bdSeq(0))))))
        .contains("seq");
    Payload wrongType =
        payload(T, 0L, bdSeq(0), metric("x", 1, DataType.Boolean).setStringValue("yes").build());
    assertThat(reason(decoder.decode(ctx(NBIRTH), bytes(wrongType))))
        .isEqualTo(
            "NBIRTH of plant:edge1: metric 'x': Boolean value expected in boolean_value, got string_value");
    Payload badArray =
        payload(
            T,
            0L,
            bdSeq(0),
            metric("a", 1, DataType.Int32Array).setBytesValue(le(1, 2, 3)).build());
    assertThat(reason(decoder.decode(ctx(NBIRTH), bytes(badArray))))
        .contains("metric 'a': Int32Array: 3 bytes is not a multiple of 4");
    Payload dupAlias =
        payload(
            T,
            0L,
            metric("a", 1, DataType.Int32).setIntValue(1).build(),
            metric("b", 1, DataType.Int32).setIntValue(2).build());
    assertThat(reason(decoder.decode(ctx(NBIRTH), bytes(dupAlias))))
        .contains("alias 1 already used by 'a'");
    Payload noName = payload(T, 0L, metric(null, 1, DataType.Int32).setIntValue(1).build());
    assertThat(reason(decoder.decode(ctx(NBIRTH), bytes(noName))))
        .contains("metrics[0] has no name");
  }

  /** Verifies that the decoder table routes Sparkplug topics with the Busbar ids of §4.1. */
  @Test
  void routesSparkplugTopics() {
    List<DecoderTable.Route> routes = new ArrayList<>();
    routes.add(new SparkplugRoute(new SparkplugDecoder(new SparkplugHostState())));
    routes.addAll(DecoderTable.defaultRules(Map.of()));
    DecoderTable table = DecoderTable.of(routes);
    assertThat(table.resolve("spBv1.0/g/DDATA/e/d").orElseThrow().deviceId()).isEqualTo("g:e:d");
    assertThat(table.resolve("spBv1.0/g/NBIRTH/e").orElseThrow().deviceId()).isEqualTo("g:e");
    assertThat(table.resolve("spBv1.0/g/NCMD/e")).isEmpty();
    assertThat(table.resolve("spBv1.0/STATE/host")).isEmpty();
    DecoderTable.Match bad = table.resolve("spBv1.0/g/DDATA/e").orElseThrow();
    assertThat(reason(bad.decoder().decode(ctx("spBv1.0/g/DDATA/e"), Buffer.buffer())))
        .contains("DDATA topics have 5 levels");
    assertThat(table.resolve("devices/d1/telemetry")).isPresent();
  }

  /** Verifies that no byte sequence makes the decoder throw: random and mutated payloads. */
  @Test
  void neverThrowsOnArbitraryBytes() {
    SparkplugDecoder decoder = new SparkplugDecoder(new SparkplugHostState());
    byte[] birth =
        payload(
                T,
                0L,
                bdSeq(1),
                metric("a", 1, DataType.Int16Array).setBytesValue(le(1, 0)).build(),
                metric("b", 2, DataType.BooleanArray).setBytesValue(le(1, 0, 0, 0, 0x80)).build(),
                metric("c", 3, DataType.Double).setDoubleValue(1).build())
            .toByteArray();
    byte[] data =
        payload(T, 1L, metric(null, 1, DataType.Int16Array).setBytesValue(le(1, 0)).build())
            .toByteArray();
    Random random = new Random(7);
    String[] topics = {
      NBIRTH,
      "spBv1.0/plant/NDATA/edge1",
      "spBv1.0/plant/DBIRTH/edge1/d",
      "spBv1.0/plant/DDATA/edge1/d",
      "spBv1.0/plant/NDEATH/edge1"
    };
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes;
      if (i % 3 == 0) {
        bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
      } else {
        bytes = (i % 3 == 1 ? birth : data).clone();
        for (int m = 0; m <= random.nextInt(3); m++) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
      }
      String topic = topics[random.nextInt(topics.length)];
      assertThat(decoder.decode(ctx(topic), Buffer.buffer(bytes))).isNotNull();
    }
  }
}
