package io.busbar.codecs.frame;

import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.PayloadDecoder;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Decodes binary frames by their declared {@link FrameLayout}, picked by the last topic level
 * ({@code devices/{id}/frames/{layout}}). Reads the Vert.x {@link Buffer} in place with its
 * absolute getters; no intermediate byte array. Each field becomes one event stamped with the time
 * of receipt. A non-finite float is kept as a BAD-quality text event ({@code NaN}, {@code
 * Infinity}) rather than a number no JSON consumer could read. Immutable and thread-safe.
 */
public final class FrameLayoutDecoder implements PayloadDecoder {

  private final Map<String, FrameLayout> layouts;

  /** A decoder for the named layouts; the topic's last level names the layout. */
  public FrameLayoutDecoder(Map<String, FrameLayout> layouts) {
    this.layouts = Map.copyOf(layouts);
  }

  @Override
  public DecodeResult decode(MessageContext context, Buffer payload) {
    String topic = context.topic();
    String name = topic.substring(topic.lastIndexOf('/') + 1);
    FrameLayout layout = layouts.get(name);
    if (layout == null) {
      return DecodeResult.rejected(
          "unknown frame layout '" + name + "': configured " + new TreeMap<>(layouts).keySet());
    }
    try {
      return decode(layout, context, payload);
    } catch (RuntimeException e) {
      // unreachable for a validated layout; kept so no byte sequence can throw past the decoder
      return DecodeResult.rejected("layout '" + name + "': unreadable frame: " + e);
    }
  }

  /** Decodes one frame with a given layout. Never throws for a validated layout. */
  public static DecodeResult decode(FrameLayout layout, MessageContext context, Buffer frame) {
    int size = frame.length();
    if (layout.isFixedLength() ? size != layout.length() : size < layout.minLength()) {
      return DecodeResult.rejected(
          "layout '"
              + layout.name()
              + "': frame is "
              + size
              + " bytes, expected "
              + (layout.isFixedLength() ? "exactly " : "at least ")
              + layout.minLength());
    }
    if (layout.checksum() != null) {
      String problem = verify(layout.checksum(), frame);
      if (problem != null) {
        return DecodeResult.rejected("layout '" + layout.name() + "': " + problem);
      }
    }
    List<Event> events = new ArrayList<>(layout.fields().size());
    for (FieldSpec field : layout.fields()) {
      events.add(event(context, field, frame));
    }
    return DecodeResult.decoded(events);
  }

  private static Event event(MessageContext ctx, FieldSpec field, Buffer frame) {
    Value value;
    Quality quality = Quality.GOOD;
    switch (field.type()) {
      case STRING -> value = Value.of(text(frame, field.offset(), field.length()));
      case BITS -> {
        long bits = bits(frame, field);
        value =
            field.bitWidth() == 1
                ? Value.of(bits != 0)
                : Value.of(scale(field, unsigned(bits, field.bitWidth() == 64)));
      }
      default -> {
        double raw = number(frame, field);
        if (Double.isFinite(raw)) {
          value = Value.of(scale(field, raw));
        } else {
          value = Value.of(Double.toString(raw));
          quality = Quality.BAD;
        }
      }
    }
    return new Event(
        ctx.tenant(),
        ctx.deviceId(),
        field.name(),
        ctx.receivedAt(),
        value,
        quality,
        field.unit(),
        ctx.topic());
  }

  private static double scale(FieldSpec field, double raw) {
    return raw * field.scale() + field.add();
  }

  private static double number(Buffer b, FieldSpec f) {
    boolean le = f.byteOrder() == ByteOrder.LITTLE_ENDIAN;
    int at = f.offset();
    return switch (f.type()) {
      case U8 -> b.getUnsignedByte(at);
      case I8 -> b.getByte(at);
      case U16 -> le ? b.getUnsignedShortLE(at) : b.getUnsignedShort(at);
      case I16 -> le ? b.getShortLE(at) : b.getShort(at);
      case U32 -> le ? b.getUnsignedIntLE(at) : b.getUnsignedInt(at);
      case I32 -> le ? b.getIntLE(at) : b.getInt(at);
      case U64 -> unsigned(le ? b.getLongLE(at) : b.getLong(at), true);
      case I64 -> le ? b.getLongLE(at) : b.getLong(at);
      case F32 -> le ? b.getFloatLE(at) : b.getFloat(at);
      case F64 -> le ? b.getDoubleLE(at) : b.getDouble(at);
      case BITS, STRING -> throw new IllegalStateException("not a number: " + f.type());
    };
  }

  /** The raw integer a bit field sits in, shifted and masked. */
  private static long bits(Buffer b, FieldSpec f) {
    boolean le = f.byteOrder() == ByteOrder.LITTLE_ENDIAN;
    int at = f.offset();
    long word =
        switch (f.length()) {
          case 1 -> b.getUnsignedByte(at);
          case 2 -> le ? b.getUnsignedShortLE(at) : b.getUnsignedShort(at);
          case 4 -> le ? b.getUnsignedIntLE(at) : b.getUnsignedInt(at);
          default -> le ? b.getLongLE(at) : b.getLong(at);
        };
    long shifted = word >>> f.bitOffset();
    return f.bitWidth() == 64 ? shifted : shifted & ((1L << f.bitWidth()) - 1);
  }

  private static double unsigned(long value, boolean full64) {
    return full64 && value < 0 ? (double) (value >>> 1) * 2.0 + (value & 1) : value;
  }

  /** A fixed-length text, read in place, trailing NULs trimmed (C strings, padded PLC strings). */
  private static String text(Buffer b, int offset, int length) {
    int end = offset + length;
    while (end > offset && b.getByte(end - 1) == 0) {
      end--;
    }
    return b.getString(offset, end, StandardCharsets.UTF_8.name());
  }

  /** Checks the frame's checksum; returns the problem, or null when it matches. */
  private static String verify(Checksum checksum, Buffer frame) {
    int size = frame.length();
    int from = Checksum.resolve(checksum.from(), size);
    int to = Checksum.resolve(checksum.to(), size);
    int at = Checksum.resolve(checksum.at(), size);
    if (from < 0 || to > size || from >= to || at < 0 || at + checksum.algorithm().size() > size) {
      return "checksum range does not fit a " + size + "-byte frame";
    }
    boolean le = checksum.byteOrder() == ByteOrder.LITTLE_ENDIAN;
    long expected;
    long actual;
    if (checksum.algorithm() == Checksum.Algorithm.CRC16_MODBUS) {
      expected = le ? frame.getUnsignedShortLE(at) : frame.getUnsignedShort(at);
      actual = Crc16Modbus.of(frame, from, to);
    } else {
      expected = le ? frame.getUnsignedIntLE(at) : frame.getUnsignedInt(at);
      actual = crc32(frame, from, to);
    }
    if (expected != actual) {
      return String.format(
          "%s mismatch at offset %d: frame says 0x%X, bytes %d..%d give 0x%X",
          checksum.algorithm(), at, expected, from, to - 1, actual);
    }
    return null;
  }

  private static long crc32(Buffer frame, int from, int to) {
    CRC32 crc = new CRC32();
    if (frame instanceof BufferInternal internal) {
      // a view of the same memory: no copy
      crc.update(internal.getByteBuf().nioBuffer(from, to - from));
    } else {
      for (int i = from; i < to; i++) {
        crc.update(frame.getByte(i));
      }
    }
    return crc.getValue();
  }
}
