package io.busbar.codecs.journal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * The framing of append-only journal records: {@code [int length][int crc32][length bytes]}. Replay
 * stops at the first record that is short or fails its CRC — the tail a crash may leave. Used by
 * the broker's session and retained-message journals and the Kafka sink's spool segments. Plain
 * blocking file I/O: call it from a worker or a dedicated writer thread, never an event loop.
 */
public final class Journal {

  /** Larger records are taken as corruption, not allocated. */
  public static final int MAX_RECORD = 300 * 1024 * 1024;

  private Journal() {}

  public static ByteBuffer frame(byte[] body) {
    CRC32 crc = new CRC32();
    crc.update(body);
    ByteBuffer b = ByteBuffer.allocate(8 + body.length);
    b.putInt(body.length).putInt((int) crc.getValue()).put(body).flip();
    return b;
  }

  public static void write(FileChannel out, byte[] body) throws IOException {
    ByteBuffer b = frame(body);
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  /** Feeds every intact record to {@code sink}; returns how many. */
  public static int replay(Path file, Consumer<byte[]> sink) throws IOException {
    int count = 0;
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
      while (true) {
        int length;
        int expected;
        try {
          length = in.readInt();
          expected = in.readInt();
        } catch (EOFException end) {
          return count;
        }
        if (length < 0 || length > MAX_RECORD) {
          return count;
        }
        byte[] body = new byte[length];
        try {
          in.readFully(body);
        } catch (EOFException torn) {
          return count;
        }
        CRC32 crc = new CRC32();
        crc.update(body);
        if ((int) crc.getValue() != expected) {
          return count;
        }
        sink.accept(body);
        count++;
      }
    }
  }
}
