package io.busbar.verticles.kafka;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The binary form of a spooled Kafka record in a spool segment: version byte, spool sequence,
 * topic, key, timestamp, headers and value. Strings are length-prefixed UTF-8, byte arrays
 * length-prefixed ({@code -1} for null). The partition is not kept: it follows from the key.
 */
final class SpooledRecordCodec {

  private static final byte VERSION = 1;

  /** A record read back, with the sequence that fixes its place in the spool's order. */
  record Spooled(long sequence, ProducerRecord<String, byte[]> record) {}

  private SpooledRecordCodec() {}

  static byte[] encode(long sequence, ProducerRecord<String, byte[]> r) {
    try {
      ByteArrayOutputStream bytes =
          new ByteArrayOutputStream(96 + (r.value() == null ? 0 : r.value().length));
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeLong(sequence);
      bytes(out, r.topic().getBytes(StandardCharsets.UTF_8));
      bytes(out, r.key() == null ? null : r.key().getBytes(StandardCharsets.UTF_8));
      out.writeBoolean(r.timestamp() != null);
      out.writeLong(r.timestamp() == null ? 0 : r.timestamp());
      Header[] headers = r.headers().toArray();
      out.writeInt(headers.length);
      for (Header h : headers) {
        bytes(out, h.key().getBytes(StandardCharsets.UTF_8));
        bytes(out, h.value());
      }
      bytes(out, r.value());
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a record written by {@link #encode}.
   *
   * @throws IOException if the bytes are not such a record (a version from elsewhere, truncated)
   */
  static Spooled decode(byte[] body) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    byte version = in.readByte();
    if (version != VERSION) {
      throw new IOException("unknown spool record version " + version);
    }
    long sequence = in.readLong();
    String topic = text(in);
    String key = text(in);
    boolean hasTimestamp = in.readBoolean();
    long timestamp = in.readLong();
    int count = in.readInt();
    if (count < 0 || count > 10_000) {
      throw new IOException("bad header count " + count);
    }
    RecordHeaders headers = new RecordHeaders();
    for (int i = 0; i < count; i++) {
      headers.add(text(in), bytes(in));
    }
    byte[] value = bytes(in);
    return new Spooled(
        sequence,
        new ProducerRecord<>(topic, null, hasTimestamp ? timestamp : null, key, value, headers));
  }

  private static void bytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] bytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    if (length > in.available()) {
      throw new IOException("field of " + length + " bytes past the record's end");
    }
    byte[] b = new byte[length];
    in.readFully(b);
    return b;
  }

  private static String text(DataInputStream in) throws IOException {
    byte[] b = bytes(in);
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }
}
