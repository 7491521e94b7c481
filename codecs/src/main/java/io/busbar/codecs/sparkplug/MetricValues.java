package io.busbar.codecs.sparkplug;

import com.google.protobuf.ByteString;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.StringJoiner;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.DataSet;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.PropertySet;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.PropertyValue;

/**
 * Turns the value of a Sparkplug metric into a Busbar {@link Value}, by its datatype (Sparkplug 3.0
 * §6.4.16). Numbers stay numbers (signed and unsigned widths as the datatype says); String, Text
 * and UUID are text; DateTime is ISO-8601 text; Bytes, File, DataSet and arrays (§6.4.17,
 * little-endian packed in {@code bytes_value}) are summarised as text, since an event carries one
 * scalar. Templates are flattened by the caller. Pure functions.
 */
final class MetricValues {

  /** At most this many array elements are written into a summary. */
  static final int MAX_ARRAY_ELEMENTS = 64;

  private MetricValues() {}

  /** A metric whose value does not fit its datatype; the message says which and why. */
  static final class BadMetric extends Exception {
    BadMetric(String message) {
      super(message, null, false, false);
    }
  }

  /** The datatype a metric's value case implies, for DATA metrics without datatype or birth. */
  static int inferDatatype(Metric m) {
    return switch (m.getValueCase()) {
      case INT_VALUE -> DataType.Int32_VALUE;
      case LONG_VALUE -> DataType.Int64_VALUE;
      case FLOAT_VALUE -> DataType.Float_VALUE;
      case DOUBLE_VALUE -> DataType.Double_VALUE;
      case BOOLEAN_VALUE -> DataType.Boolean_VALUE;
      case STRING_VALUE -> DataType.String_VALUE;
      case BYTES_VALUE -> DataType.Bytes_VALUE;
      case DATASET_VALUE -> DataType.DataSet_VALUE;
      case TEMPLATE_VALUE -> DataType.Template_VALUE;
      case EXTENSION_VALUE, VALUE_NOT_SET -> DataType.Unknown_VALUE;
    };
  }

  /** The value of a (non-null, non-template) metric read as {@code datatype}. */
  static Value value(Metric m, int datatype) throws BadMetric {
    DataType type = DataType.forNumber(datatype);
    if (type == null) {
      throw new BadMetric("unknown datatype " + datatype);
    }
    return switch (type) {
      case Int8 -> Value.of((byte) integer(m, type));
      case Int16 -> Value.of((short) integer(m, type));
      case Int32 -> Value.of((int) integer(m, type));
      case Int64 -> Value.of(integer(m, type));
      case UInt8 -> Value.of(integer(m, type) & 0xFF);
      case UInt16 -> Value.of(integer(m, type) & 0xFFFF);
      case UInt32 -> Value.of(integer(m, type) & 0xFFFF_FFFFL);
      case UInt64 -> Value.of(unsigned(integer(m, type)));
      case Float -> Value.of(finite(floating(m, type), type));
      case Double -> Value.of(finite(floating(m, type), type));
      case Boolean -> {
        expect(m, Metric.ValueCase.BOOLEAN_VALUE, type);
        yield Value.of(m.getBooleanValue());
      }
      case String, Text, UUID -> {
        expect(m, Metric.ValueCase.STRING_VALUE, type);
        yield Value.of(m.getStringValue());
      }
      case DateTime -> Value.of(Instant.ofEpochMilli(integer(m, type)).toString());
      case Bytes -> Value.of("bytes[" + bytes(m, type).size() + "]");
      case File -> Value.of(fileSummary(m, bytes(m, type)));
      case DataSet -> {
        expect(m, Metric.ValueCase.DATASET_VALUE, type);
        yield Value.of(dataSetSummary(m.getDatasetValue()));
      }
      case Int8Array,
          Int16Array,
          Int32Array,
          Int64Array,
          UInt8Array,
          UInt16Array,
          UInt32Array,
          UInt64Array,
          FloatArray,
          DoubleArray,
          BooleanArray,
          StringArray,
          DateTimeArray ->
          Value.of(ArraySummary.of(type, bytes(m, type)));
      case Template, PropertySet, PropertySetList, Unknown ->
          throw new BadMetric("datatype " + type + " has no scalar value");
    };
  }

  private static void expect(Metric m, Metric.ValueCase expected, DataType type) throws BadMetric {
    if (m.getValueCase() != expected) {
      throw new BadMetric(
          type + " value expected in " + field(expected) + ", got " + field(m.getValueCase()));
    }
  }

  private static String field(Metric.ValueCase c) {
    return c == Metric.ValueCase.VALUE_NOT_SET
        ? "no value"
        : c.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** An integer from int_value (uint32, two's complement for signed types) or long_value. */
  private static long integer(Metric m, DataType type) throws BadMetric {
    return switch (m.getValueCase()) {
      case INT_VALUE -> m.getIntValue() & 0xFFFF_FFFFL;
      case LONG_VALUE -> m.getLongValue();
      default ->
          throw new BadMetric(
              type + " value expected in int_value or long_value, got " + field(m.getValueCase()));
    };
  }

  private static double floating(Metric m, DataType type) throws BadMetric {
    return switch (m.getValueCase()) {
      case FLOAT_VALUE -> m.getFloatValue();
      case DOUBLE_VALUE -> m.getDoubleValue();
      default ->
          throw new BadMetric(
              type
                  + " value expected in float_value or double_value, got "
                  + field(m.getValueCase()));
    };
  }

  private static double finite(double d, DataType type) throws BadMetric {
    if (!Double.isFinite(d)) {
      throw new BadMetric(type + " value is " + d);
    }
    return d;
  }

  private static ByteString bytes(Metric m, DataType type) throws BadMetric {
    expect(m, Metric.ValueCase.BYTES_VALUE, type);
    return m.getBytesValue();
  }

  static double unsigned(long v) {
    return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
  }

  private static String fileSummary(Metric m, ByteString content) {
    String name =
        m.hasMetadata() && m.getMetadata().hasFileName() ? m.getMetadata().getFileName() : "file";
    return name + " (" + content.size() + " bytes)";
  }

  /** "DataSet 3×2 [time:DateTime, temp:Double]": columns and rows, not the cells. */
  static String dataSetSummary(DataSet ds) {
    StringJoiner columns = new StringJoiner(", ", "[", "]");
    for (int i = 0; i < ds.getColumnsCount(); i++) {
      DataType t = i < ds.getTypesCount() ? DataType.forNumber(ds.getTypes(i)) : null;
      columns.add(ds.getColumns(i) + ":" + (t == null ? "?" : t.name()));
    }
    return "DataSet " + ds.getRowsCount() + "×" + ds.getColumnsCount() + " " + columns;
  }

  /**
   * The engineering unit of a metric: property {@code engUnit}, {@code engUnits} or {@code units}.
   */
  static String unit(Metric m) {
    if (!m.hasProperties()) {
      return null;
    }
    PropertySet props = m.getProperties();
    for (String key : new String[] {"engUnit", "engUnits", "units", "unit"}) {
      PropertyValue v = property(props, key);
      if (v != null
          && v.getValueCase() == PropertyValue.ValueCase.STRING_VALUE
          && !v.getStringValue().isEmpty()) {
        return v.getStringValue();
      }
    }
    return null;
  }

  /**
   * The quality a metric's {@code Quality} property gives (the OPC convention Sparkplug hosts use:
   * 192 good, 0 bad, 500 stale), or {@code fallback} without one.
   */
  static Quality quality(Metric m, Quality fallback) {
    PropertyValue v = m.hasProperties() ? property(m.getProperties(), "Quality") : null;
    if (v == null) {
      return fallback;
    }
    long code =
        switch (v.getValueCase()) {
          case INT_VALUE -> v.getIntValue();
          case LONG_VALUE -> v.getLongValue();
          default -> -1;
        };
    Quality q =
        code == 192
            ? Quality.GOOD
            : code == 0 ? Quality.BAD : code == 500 ? Quality.STALE : Quality.UNCERTAIN;
    // a stale or rebirth-pending source never upgrades to GOOD
    return fallback == Quality.GOOD ? q : fallback;
  }

  private static PropertyValue property(PropertySet props, String key) {
    int n = Math.min(props.getKeysCount(), props.getValuesCount());
    for (int i = 0; i < n; i++) {
      if (key.equals(props.getKeys(i))) {
        return props.getValues(i);
      }
    }
    return null;
  }

  /** Summaries of the array types of §6.4.17. */
  static final class ArraySummary {
    private ArraySummary() {}

    static String of(DataType type, ByteString packed) throws BadMetric {
      ByteBuffer b = packed.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      int size =
          switch (type) {
            case Int8Array, UInt8Array -> 1;
            case Int16Array, UInt16Array -> 2;
            case Int32Array, UInt32Array, FloatArray -> 4;
            case Int64Array, UInt64Array, DoubleArray, DateTimeArray -> 8;
            default -> 0;
          };
      StringJoiner out = new StringJoiner(", ", "[", "]");
      int count = 0;
      if (type == DataType.StringArray) {
        int start = 0;
        byte[] raw = packed.toByteArray();
        for (int i = 0; i < raw.length; i++) {
          if (raw[i] == 0) {
            count =
                add(
                    out,
                    count,
                    "\"" + new String(raw, start, i - start, StandardCharsets.UTF_8) + "\"");
            start = i + 1;
          }
        }
        if (start != raw.length) {
          throw new BadMetric(
              "StringArray: last string is not NUL-terminated at byte " + raw.length);
        }
      } else if (type == DataType.BooleanArray) {
        // a 4-byte little-endian count, then the booleans packed MSB first
        if (b.remaining() < 4) {
          throw new BadMetric("BooleanArray: " + b.remaining() + " bytes, no 4-byte count");
        }
        long n = b.getInt() & 0xFFFF_FFFFL;
        if ((n + 7) / 8 != b.remaining()) {
          throw new BadMetric(
              "BooleanArray: count "
                  + n
                  + " needs "
                  + (n + 7) / 8
                  + " bytes, got "
                  + b.remaining());
        }
        for (int i = 0; i < n; i++) {
          boolean bit = (b.get(4 + i / 8) & (0x80 >>> (i % 8))) != 0;
          count = add(out, count, Boolean.toString(bit));
        }
      } else {
        if (b.remaining() % size != 0) {
          throw new BadMetric(type + ": " + b.remaining() + " bytes is not a multiple of " + size);
        }
        while (b.remaining() > 0) {
          String element =
              switch (type) {
                case Int8Array -> Byte.toString(b.get());
                case UInt8Array -> Integer.toString(b.get() & 0xFF);
                case Int16Array -> Short.toString(b.getShort());
                case UInt16Array -> Integer.toString(b.getShort() & 0xFFFF);
                case Int32Array -> Integer.toString(b.getInt());
                case UInt32Array -> Long.toString(b.getInt() & 0xFFFF_FFFFL);
                case Int64Array -> Long.toString(b.getLong());
                case UInt64Array -> Long.toUnsignedString(b.getLong());
                case FloatArray -> Float.toString(b.getFloat());
                case DoubleArray -> Double.toString(b.getDouble());
                default -> "\"" + Instant.ofEpochMilli(b.getLong()) + "\"";
              };
          count = add(out, count, element);
        }
      }
      String shown = out.toString();
      return count > MAX_ARRAY_ELEMENTS
          ? shown.substring(0, shown.length() - 1) + ", … " + count + " elements]"
          : shown;
    }

    private static int add(StringJoiner out, int count, String element) {
      if (count < MAX_ARRAY_ELEMENTS) {
        out.add(element);
      }
      return count + 1;
    }
  }
}
