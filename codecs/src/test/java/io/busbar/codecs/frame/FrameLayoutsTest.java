package io.busbar.codecs.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class FrameLayoutsTest {

  private static final String PLC1 =
      """
      {"layouts": {"plc1": {
        "length": 12, "byteOrder": "little",
        "fields": [
          {"name": "temperature", "offset": 0, "type": "i16", "scale": 0.1, "unit": "°C"},
          {"name": "pressure", "offset": 2, "type": "u16", "byteOrder": "big", "add": -1},
          {"name": "running", "offset": 4, "type": "bits", "length": 1, "bit": 3},
          {"name": "batch", "offset": 5, "type": "string", "length": 5}
        ],
        "checksum": {"algorithm": "crc16_modbus", "from": 0, "to": -2, "at": -2}}}}
      """;

  /** Verifies that a layout is built from a config tree with every key honoured. */
  @Test
  void buildsLayoutsFromConfig() {
    Map<String, FrameLayout> layouts = FrameLayouts.fromConfig(new JsonObject(PLC1));
    FrameLayout plc1 = layouts.get("plc1");
    assertThat(plc1.length()).isEqualTo(12);
    assertThat(plc1.fields()).hasSize(4);
    assertThat(plc1.fields().get(0))
        .isEqualTo(
            FieldSpec.of("temperature", 0, FieldType.I16)
                .withByteOrder(ByteOrder.LITTLE_ENDIAN)
                .scaled(0.1, 0, "°C"));
    assertThat(plc1.fields().get(1).byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
    assertThat(plc1.fields().get(1).add()).isEqualTo(-1);
    assertThat(plc1.fields().get(2).bitOffset()).isEqualTo(3);
    assertThat(plc1.fields().get(2).bitWidth()).isEqualTo(1);
    assertThat(plc1.checksum())
        .isEqualTo(
            new Checksum(Checksum.Algorithm.CRC16_MODBUS, 0, -2, -2, ByteOrder.LITTLE_ENDIAN));
    assertThat(FrameLayouts.fromConfig(new JsonObject())).isEmpty();
  }

  private static void refused(String path, Object value, String key, String message) {
    JsonObject config = new JsonObject(PLC1);
    JsonObject layout = config.getJsonObject("layouts").getJsonObject("plc1");
    String[] parts = path.split("\\.");
    Object node = layout;
    for (int i = 0; i < parts.length - 1; i++) {
      String p = parts[i];
      node =
          p.matches("\\d+")
              ? ((io.vertx.core.json.JsonArray) node).getJsonObject(Integer.parseInt(p))
              : ((JsonObject) node).getValue(p);
    }
    ((JsonObject) node).put(parts[parts.length - 1], value);
    assertThatThrownBy(() -> FrameLayouts.fromConfig(config))
        .isInstanceOf(FrameConfigException.class)
        .hasMessage(key + ": " + message)
        .satisfies(e -> assertThat(((FrameConfigException) e).key()).isEqualTo(key));
  }

  /** Verifies that each kind of bad configuration names the key and the bad value. */
  @Test
  void namesTheBadKey() {
    String f = "frames.layouts.plc1.fields";
    refused("fields.2.type", "u24", f + "[2].type", "unknown type 'u24'");
    refused(
        "fields.0.offset",
        11,
        f + "[0].offset",
        "field 'temperature' ends at byte 13, past the 12-byte frame");
    refused("fields.1.offset", -1, f + "[1].offset", "must be ≥ 0, got -1");
    refused("fields.1.scale", "x", f + "[1].scale", "expected a number, got 'x'");
    refused(
        "fields.1.colour",
        "red",
        f + "[1].colour",
        "unknown key; expected one of [add, bit, byteOrder, length, name, offset, scale, type, unit, width]");
    refused("fields.2.width", 9, f + "[2].bit", "bits 3+9 do not fit in 8 bits");
    refused("fields.3.length", 0, f + "[3].length", "a string needs a length ≥ 1, got 0");
    refused(
        "fields.3.name",
        "pressure",
        "frames.layouts.plc1.fields[3].name",
        "duplicate field name 'pressure'");
    refused(
        "byteOrder",
        "middle",
        "frames.layouts.plc1.byteOrder",
        "unknown byte order 'middle': big or little");
    refused(
        "checksum.algorithm",
        "md5",
        "frames.layouts.plc1.checksum.algorithm",
        "unknown algorithm 'md5': crc16_modbus or crc32");
    refused(
        "checksum.at",
        11,
        "frames.layouts.plc1.checksum.at",
        "a CRC16_MODBUS at 11 does not fit in the frame");
    refused(
        "length",
        1.5,
        "frames.layouts.plc1.length",
        "expected a whole number of bytes, got '1.5' (Double)");
    refused("fields", "none", "frames.layouts.plc1.fields", "expected a non-empty list of fields");
  }
}
