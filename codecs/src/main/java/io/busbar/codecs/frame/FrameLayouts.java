package io.busbar.codecs.frame;

import io.vertx.core.json.JsonObject;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds frame layouts from the {@code frames} section of {@code conf/busbar.yaml}:
 *
 * <pre>
 * frames:
 *   layouts:
 *     plc1:
 *       length: 16              # exact length in bytes; or minLength: N for longer frames
 *       byteOrder: big          # default for the fields: big | little
 *       fields:
 *         - {name: temperature, offset: 0, type: i16, scale: 0.1, unit: "°C"}
 *         - {name: running, offset: 2, type: bits, length: 1, bit: 0, width: 1}
 *         - {name: serial, offset: 4, type: string, length: 8}
 *       checksum: {algorithm: crc16_modbus, from: 0, to: -2, at: -2, byteOrder: little}
 * </pre>
 *
 * Field types: u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 bits string. A numeric value is {@code raw *
 * scale + add}. Checksum positions may be negative, counted from the end of the frame. Unknown keys
 * are refused (a typo must not silently change a layout). Every error is a {@link
 * FrameConfigException} naming the full key, e.g. {@code frames.layouts.plc1.fields[2].type:
 * unknown type 'u24'}.
 */
public final class FrameLayouts {

  private static final Set<String> LAYOUT_KEYS =
      Set.of("length", "minLength", "byteOrder", "fields", "checksum");
  private static final Set<String> FIELD_KEYS =
      Set.of(
          "name", "offset", "type", "byteOrder", "scale", "add", "unit", "length", "bit", "width");
  private static final Set<String> CHECKSUM_KEYS =
      Set.of("algorithm", "from", "to", "at", "byteOrder");

  private FrameLayouts() {}

  /** Layouts from the {@code frames} section as a JSON object (e.g. from Vert.x config). */
  public static Map<String, FrameLayout> fromConfig(JsonObject frames) {
    return fromConfig(frames == null ? Map.of() : frames.getMap());
  }

  /**
   * Layouts from the {@code frames} section as a plain tree (maps, lists, numbers, strings).
   *
   * @return layout name → layout, in configuration order
   * @throws FrameConfigException naming the first bad key
   */
  public static Map<String, FrameLayout> fromConfig(Map<String, ?> frames) {
    String root = "frames";
    Map<String, FrameLayout> layouts = new LinkedHashMap<>();
    if (frames == null) {
      return layouts;
    }
    Object node = frames.get("layouts");
    if (node == null) {
      return layouts;
    }
    Map<String, Object> byName = map(node, root + ".layouts");
    byName.forEach(
        (name, value) ->
            layouts.put(
                name,
                layout(name, map(value, root + ".layouts." + name), root + ".layouts." + name)));
    return layouts;
  }

  private static FrameLayout layout(String name, Map<String, Object> node, String key) {
    unknownKeys(node, LAYOUT_KEYS, key);
    if (name.isEmpty() || name.contains("/") || name.contains("+") || name.contains("#")) {
      throw new FrameConfigException(
          key, "a layout name must be one topic level, got '" + name + "'");
    }
    ByteOrder order = byteOrder(node.get("byteOrder"), key + ".byteOrder", ByteOrder.BIG_ENDIAN);
    int length = integer(node.get("length"), key + ".length", 0);
    int minLength = integer(node.get("minLength"), key + ".minLength", 0);
    if (length > 0 && minLength > 0) {
      throw new FrameConfigException(key, "give either length or minLength, not both");
    }
    if (length <= 0 && minLength <= 0) {
      throw new FrameConfigException(key + ".length", "missing: give length or minLength ≥ 1");
    }
    Object fieldsNode = node.get("fields");
    if (!(fieldsNode instanceof List<?> list) || list.isEmpty()) {
      throw new FrameConfigException(key + ".fields", "expected a non-empty list of fields");
    }
    List<FieldSpec> fields = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String fieldKey = key + ".fields[" + i + "]";
      fields.add(field(map(list.get(i), fieldKey), fieldKey, order));
    }
    Checksum checksum =
        node.get("checksum") == null
            ? null
            : checksum(map(node.get("checksum"), key + ".checksum"), key + ".checksum");
    try {
      return new FrameLayout(name, length, minLength, fields, checksum);
    } catch (IllegalArgumentException e) {
      throw new FrameConfigException(key + "." + e.getMessage().split(":", 2)[0], tail(e));
    }
  }

  private static FieldSpec field(Map<String, Object> node, String key, ByteOrder layoutOrder) {
    unknownKeys(node, FIELD_KEYS, key);
    String name = string(node.get("name"), key + ".name", null);
    if (name == null || name.isBlank()) {
      throw new FrameConfigException(key + ".name", "missing");
    }
    String typeName = string(node.get("type"), key + ".type", null);
    if (typeName == null) {
      throw new FrameConfigException(key + ".type", "missing");
    }
    FieldType type =
        FieldType.fromConfigName(typeName)
            .orElseThrow(
                () -> new FrameConfigException(key + ".type", "unknown type '" + typeName + "'"));
    Object offsetNode = node.get("offset");
    if (offsetNode == null) {
      throw new FrameConfigException(key + ".offset", "missing");
    }
    try {
      return new FieldSpec(
          name,
          integer(offsetNode, key + ".offset", 0),
          type,
          byteOrder(node.get("byteOrder"), key + ".byteOrder", layoutOrder),
          number(node.get("scale"), key + ".scale", 1),
          number(node.get("add"), key + ".add", 0),
          string(node.get("unit"), key + ".unit", null),
          integer(node.get("length"), key + ".length", 0),
          integer(node.get("bit"), key + ".bit", 0),
          integer(node.get("width"), key + ".width", type == FieldType.BITS ? 1 : 0));
    } catch (FrameConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new FrameConfigException(key + "." + e.getMessage().split(":", 2)[0], tail(e));
    }
  }

  private static Checksum checksum(Map<String, Object> node, String key) {
    unknownKeys(node, CHECKSUM_KEYS, key);
    String algorithmName = string(node.get("algorithm"), key + ".algorithm", null);
    if (algorithmName == null) {
      throw new FrameConfigException(key + ".algorithm", "missing: crc16_modbus or crc32");
    }
    Checksum.Algorithm algorithm;
    try {
      algorithm =
          Checksum.Algorithm.valueOf(
              algorithmName.toUpperCase(Locale.ROOT).replace('-', '_').replace('/', '_'));
    } catch (IllegalArgumentException e) {
      throw new FrameConfigException(
          key + ".algorithm", "unknown algorithm '" + algorithmName + "': crc16_modbus or crc32");
    }
    for (String required : List.of("from", "to", "at")) {
      if (node.get(required) == null) {
        throw new FrameConfigException(key + "." + required, "missing");
      }
    }
    // Modbus RTU sends its CRC low byte first (Modbus over serial line §2.5.1.2)
    ByteOrder fallback =
        algorithm == Checksum.Algorithm.CRC16_MODBUS
            ? ByteOrder.LITTLE_ENDIAN
            : ByteOrder.BIG_ENDIAN;
    return new Checksum(
        algorithm,
        signedInteger(node.get("from"), key + ".from"),
        signedInteger(node.get("to"), key + ".to"),
        signedInteger(node.get("at"), key + ".at"),
        byteOrder(node.get("byteOrder"), key + ".byteOrder", fallback));
  }

  private static String tail(IllegalArgumentException e) {
    String[] parts = e.getMessage().split(":", 2);
    return parts.length == 2 ? parts[1].trim() : e.getMessage();
  }

  private static void unknownKeys(Map<String, Object> node, Set<String> known, String key) {
    for (String k : node.keySet()) {
      if (!known.contains(k)) {
        throw new FrameConfigException(
            key + "." + k, "unknown key; expected one of " + new java.util.TreeSet<>(known));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String key) {
    if (node instanceof JsonObject json) {
      return json.getMap();
    }
    if (node instanceof Map<?, ?> m) {
      for (Object k : m.keySet()) {
        if (!(k instanceof String)) {
          throw new FrameConfigException(key, "keys must be text, got " + k);
        }
      }
      return (Map<String, Object>) m;
    }
    throw new FrameConfigException(key, "expected a map, got " + describe(node));
  }

  private static String string(Object node, String key, String fallback) {
    if (node == null) {
      return fallback;
    }
    if (node instanceof String s) {
      return s;
    }
    throw new FrameConfigException(key, "expected text, got " + describe(node));
  }

  private static int integer(Object node, String key, int fallback) {
    if (node == null) {
      return fallback;
    }
    int value = signedInteger(node, key);
    if (value < 0) {
      throw new FrameConfigException(key, "must be ≥ 0, got " + value);
    }
    return value;
  }

  private static int signedInteger(Object node, String key) {
    double d = number(node, key, 0);
    if (d != Math.rint(d) || Math.abs(d) > 1_000_000) {
      throw new FrameConfigException(
          key, "expected a whole number of bytes, got " + describe(node));
    }
    return (int) d;
  }

  private static double number(Object node, String key, double fallback) {
    if (node == null) {
      return fallback;
    }
    double value;
    if (node instanceof Number n) {
      value = n.doubleValue();
    } else if (node instanceof String s) {
      try {
        value = Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        throw new FrameConfigException(key, "expected a number, got '" + s + "'");
      }
    } else {
      throw new FrameConfigException(key, "expected a number, got " + describe(node));
    }
    if (!Double.isFinite(value)) {
      throw new FrameConfigException(key, "expected a finite number, got " + value);
    }
    return value;
  }

  private static ByteOrder byteOrder(Object node, String key, ByteOrder fallback) {
    String name = string(node, key, null);
    if (name == null) {
      return fallback;
    }
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "big", "big_endian", "be" -> ByteOrder.BIG_ENDIAN;
      case "little", "little_endian", "le" -> ByteOrder.LITTLE_ENDIAN;
      default ->
          throw new FrameConfigException(key, "unknown byte order '" + name + "': big or little");
    };
  }

  private static String describe(Object node) {
    return node == null ? "nothing" : "'" + node + "' (" + node.getClass().getSimpleName() + ")";
  }
}
