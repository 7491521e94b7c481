package io.busbar.codecs.frame;

import java.util.Locale;
import java.util.Optional;

/**
 * The type of one field of a binary frame, as named in configuration ({@code u16}, {@code f32}).
 */
public enum FieldType {
  U8(1),
  U16(2),
  U32(4),
  U64(8),
  I8(1),
  I16(2),
  I32(4),
  I64(8),
  F32(4),
  F64(8),
  /** A bit field: {@code width} bits from {@code bitOffset} (LSB = 0) of an unsigned integer. */
  BITS(0),
  /** A fixed-length text, trailing NULs trimmed. */
  STRING(0);

  private final int size;

  FieldType(int size) {
    this.size = size;
  }

  /** The size in bytes, or 0 when the field's {@code length} gives it (bits, string). */
  public int size() {
    return size;
  }

  /** The configuration name, e.g. {@code u16}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The type a configuration name denotes, ignoring case. */
  public static Optional<FieldType> fromConfigName(String name) {
    for (FieldType type : values()) {
      if (type.configName().equalsIgnoreCase(name)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
