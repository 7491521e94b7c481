package io.busbar.perf.load;

import io.netty.buffer.ByteBuf;

/**
 * The payload of every benchmark message: who sent it, its sequence number on that connection and
 * when it was sent, in a fixed 20-byte big-endian layout, zero-padded to the requested size.
 *
 * <pre>
 * offset 0  int   connection id (publisher index within the scenario)
 * offset 4  long  sequence number, 0, 1, 2, … per connection
 * offset 12 long  System.nanoTime() at encoding (same JVM as the receiver, so comparable)
 * offset 20 …     zero padding up to the payload size
 * </pre>
 */
public record Probe(int connection, long sequence, long sentNanos) {

  /** Bytes the probe itself takes; a payload is never smaller. */
  public static final int SIZE = 20;

  /** Writes a probe followed by zero padding so the payload is {@code payloadSize} bytes. */
  public static void write(
      ByteBuf out, int connection, long sequence, long sentNanos, int payloadSize) {
    out.writeInt(connection).writeLong(sequence).writeLong(sentNanos);
    if (payloadSize > SIZE) {
      out.writeZero(payloadSize - SIZE);
    }
  }

  /**
   * Reads the probe at the reader index without moving it.
   *
   * @throws IllegalArgumentException when the payload is shorter than a probe (not ours)
   */
  public static Probe read(ByteBuf payload) {
    int at = payload.readerIndex();
    if (payload.readableBytes() < SIZE) {
      throw new IllegalArgumentException(
          "payload of " + payload.readableBytes() + " bytes is not a probe (needs " + SIZE + ")");
    }
    return new Probe(payload.getInt(at), payload.getLong(at + 4), payload.getLong(at + 12));
  }
}
