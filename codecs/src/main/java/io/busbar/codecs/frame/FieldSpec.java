package io.busbar.codecs.frame;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One field of a binary frame: where it is, how to read it, and how to turn the raw number into an
 * engineering value ({@code raw * scale + add}).
 *
 * @param name the metric name of the field
 * @param offset the byte offset of the field in the frame
 * @param type how the bytes are read
 * @param byteOrder the byte order of multi-byte fields
 * @param scale the factor applied to a numeric raw value
 * @param add the term added after scaling
 * @param unit the engineering unit, or {@code null}
 * @param length the byte length: the size of the type, the text length of a {@code string}, or the
 *     size (1, 2, 4 or 8) of the integer a {@code bits} field sits in
 * @param bitOffset for {@code bits}: the first bit, 0 = least significant
 * @param bitWidth for {@code bits}: the number of bits (1–64); a 1-bit field is a boolean
 */
public record FieldSpec(
    String name,
    int offset,
    FieldType type,
    ByteOrder byteOrder,
    double scale,
    double add,
    String unit,
    int length,
    int bitOffset,
    int bitWidth) {

  public FieldSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(byteOrder, "byteOrder");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name: must not be blank");
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset: must be ≥ 0, got " + offset);
    }
    if (!Double.isFinite(scale) || !Double.isFinite(add)) {
      throw new IllegalArgumentException("scale/add: must be finite numbers");
    }
    switch (type) {
      case STRING -> {
        if (length < 1) {
          throw new IllegalArgumentException("length: a string needs a length ≥ 1, got " + length);
        }
      }
      case BITS -> {
        if (length != 1 && length != 2 && length != 4 && length != 8) {
          throw new IllegalArgumentException(
              "length: a bit field sits in an integer of 1, 2, 4 or 8 bytes, got " + length);
        }
        if (bitWidth < 1 || bitOffset < 0 || bitOffset + bitWidth > length * 8) {
          throw new IllegalArgumentException(
              "bit: bits " + bitOffset + "+" + bitWidth + " do not fit in " + length * 8 + " bits");
        }
      }
      default -> {
        if (length != 0 && length != type.size()) {
          throw new IllegalArgumentException(
              "length: a " + type.configName() + " is " + type.size() + " bytes, got " + length);
        }
        length = type.size();
      }
    }
  }

  /** A plain numeric field, big-endian, unscaled. */
  public static FieldSpec of(String name, int offset, FieldType type) {
    return new FieldSpec(name, offset, type, ByteOrder.BIG_ENDIAN, 1, 0, null, 0, 0, 0);
  }

  /** A bit field of {@code width} bits from {@code bitOffset} in a big-endian integer. */
  public static FieldSpec bits(String name, int offset, int length, int bitOffset, int width) {
    return new FieldSpec(
        name, offset, FieldType.BITS, ByteOrder.BIG_ENDIAN, 1, 0, null, length, bitOffset, width);
  }

  /** A fixed-length text field. */
  public static FieldSpec text(String name, int offset, int length) {
    return new FieldSpec(
        name, offset, FieldType.STRING, ByteOrder.BIG_ENDIAN, 1, 0, null, length, 0, 0);
  }

  /** This field in another byte order. */
  public FieldSpec withByteOrder(ByteOrder order) {
    return new FieldSpec(name, offset, type, order, scale, add, unit, length, bitOffset, bitWidth);
  }

  /** This field scaled: {@code raw * scale + add}, in {@code unit}. */
  public FieldSpec scaled(double scale, double add, String unit) {
    return new FieldSpec(
        name, offset, type, byteOrder, scale, add, unit, length, bitOffset, bitWidth);
  }

  /** The offset just past the field. */
  public int end() {
    return offset + length;
  }
}
