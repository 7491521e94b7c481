package io.busbar.codecs.frame;

import io.vertx.core.buffer.Buffer;

/**
 * CRC-16/MODBUS (Modbus over serial line V1.02 §6.2.2): reflected polynomial 0xA001, initial value
 * 0xFFFF, no final XOR. Check value for {@code "123456789"}: 0x4B37.
 */
final class Crc16Modbus {

  private Crc16Modbus() {}

  /** The CRC of {@code buffer[from, to)}, read in place. */
  static int of(Buffer buffer, int from, int to) {
    int crc = 0xFFFF;
    for (int i = from; i < to; i++) {
      crc ^= buffer.getUnsignedByte(i);
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
      }
    }
    return crc;
  }
}
