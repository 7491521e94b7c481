package io.busbar.codecs.frame;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The checksum of a frame: which algorithm, over which bytes, stored where. Positions may be
 * negative, counted from the end of the frame ({@code -2} = two bytes before the end), for frames
 * of variable length.
 *
 * @param algorithm the checksum algorithm
 * @param from the first byte covered
 * @param to the byte just past the last one covered (exclusive)
 * @param at where the checksum is stored
 * @param byteOrder how it is stored (Modbus RTU sends its CRC low byte first: little-endian)
 */
public record Checksum(Algorithm algorithm, int from, int to, int at, ByteOrder byteOrder) {

  /** The checksum algorithms a layout can name. */
  public enum Algorithm {
    /** CRC-16/MODBUS: polynomial 0x8005 reflected (0xA001), init 0xFFFF; 2 bytes. */
    CRC16_MODBUS(2),
    /** CRC-32 (ISO-HDLC, as zip and Ethernet), via {@link java.util.zip.CRC32}; 4 bytes. */
    CRC32(4);

    private final int size;

    Algorithm(int size) {
      this.size = size;
    }

    /** The number of bytes the checksum takes in the frame. */
    public int size() {
      return size;
    }
  }

  public Checksum {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(byteOrder, "byteOrder");
  }

  /** An absolute position for a frame of {@code frameLength} bytes. */
  static int resolve(int position, int frameLength) {
    return position < 0 ? frameLength + position : position;
  }
}
