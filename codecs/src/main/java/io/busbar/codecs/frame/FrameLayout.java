package io.busbar.codecs.frame;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The declared layout of a binary frame a PLC or legacy device sends: its length, its fields and an
 * optional checksum. Validated when built, so a layout that could read past its frame never reaches
 * the decoder.
 *
 * @param name the layout's name, the last level of {@code devices/{id}/frames/{layout}}
 * @param length the exact frame length in bytes, or 0 when the frame may be longer than {@code
 *     minLength}
 * @param minLength the least frame length; equals {@code length} for fixed frames
 * @param fields the fields, each becoming one metric
 * @param checksum the checksum, or {@code null} when the frame has none
 */
public record FrameLayout(
    String name, int length, int minLength, List<FieldSpec> fields, Checksum checksum) {

  public FrameLayout {
    Objects.requireNonNull(name, "name");
    fields = List.copyOf(fields);
    if (length < 0 || minLength < 0) {
      throw new IllegalArgumentException("length: must be ≥ 0");
    }
    if (length > 0) {
      minLength = length;
    }
    if (minLength == 0) {
      throw new IllegalArgumentException("length: give a fixed length or a minLength ≥ 1");
    }
    if (fields.isEmpty()) {
      throw new IllegalArgumentException("fields: a layout needs at least one field");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < fields.size(); i++) {
      FieldSpec field = fields.get(i);
      if (!names.add(field.name())) {
        throw new IllegalArgumentException(
            "fields[" + i + "].name: duplicate field name '" + field.name() + "'");
      }
      if (field.end() > minLength) {
        throw new IllegalArgumentException(
            "fields["
                + i
                + "].offset: field '"
                + field.name()
                + "' ends at byte "
                + field.end()
                + ", past the "
                + minLength
                + "-byte frame");
      }
    }
    if (checksum != null) {
      int from = Checksum.resolve(checksum.from(), minLength);
      int to = Checksum.resolve(checksum.to(), minLength);
      int at = Checksum.resolve(checksum.at(), minLength);
      if (from < 0 || to > minLength || from >= to) {
        throw new IllegalArgumentException(
            "checksum.from: range [" + from + ", " + to + ") is not inside the frame");
      }
      if (at < 0 || at + checksum.algorithm().size() > minLength) {
        throw new IllegalArgumentException(
            "checksum.at: a " + checksum.algorithm() + " at " + at + " does not fit in the frame");
      }
    }
  }

  /** A layout of exactly {@code length} bytes. */
  public static FrameLayout fixed(
      String name, int length, List<FieldSpec> fields, Checksum checksum) {
    return new FrameLayout(name, length, length, fields, checksum);
  }

  /** A layout of at least {@code minLength} bytes; bytes past the fields are ignored. */
  public static FrameLayout atLeast(
      String name, int minLength, List<FieldSpec> fields, Checksum checksum) {
    return new FrameLayout(name, 0, minLength, fields, checksum);
  }

  /** Whether the frame length is fixed. */
  public boolean isFixedLength() {
    return length > 0;
  }
}
