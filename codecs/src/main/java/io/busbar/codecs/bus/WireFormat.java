package io.busbar.codecs.bus;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** Length-prefixed strings and byte arrays on a {@link Buffer}, shared by the bus codecs. */
final class WireFormat {

  private static final int NULL = -1;

  private WireFormat() {}

  static void writeString(Buffer buffer, String s) {
    writeBytes(buffer, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
  }

  static void writeBytes(Buffer buffer, byte[] bytes) {
    if (bytes == null) {
      buffer.appendInt(NULL);
    } else {
      buffer.appendInt(bytes.length).appendBytes(bytes);
    }
  }

  /** A cursor over a buffer: each read advances it. */
  static final class Reader {
    private final Buffer buffer;
    private int pos;

    Reader(Buffer buffer, int pos) {
      this.buffer = buffer;
      this.pos = pos;
    }

    int position() {
      return pos;
    }

    byte readByte() {
      return buffer.getByte(pos++);
    }

    int readInt() {
      int v = buffer.getInt(pos);
      pos += 4;
      return v;
    }

    long readLong() {
      long v = buffer.getLong(pos);
      pos += 8;
      return v;
    }

    double readDouble() {
      double v = buffer.getDouble(pos);
      pos += 8;
      return v;
    }

    byte[] readBytes() {
      int len = readInt();
      if (len == NULL) {
        return null;
      }
      byte[] bytes = buffer.getBytes(pos, pos + len);
      pos += len;
      return bytes;
    }

    String readString() {
      byte[] bytes = readBytes();
      return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
