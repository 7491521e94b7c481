package io.busbar.codecs.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class Crc16ModbusTest {

  /** Verifies that CRC-16/MODBUS gives the catalogued check value 0x4B37 for "123456789". */
  @Test
  void matchesTheStandardCheckValue() {
    assertThat(Crc16Modbus.of(Buffer.buffer("123456789"), 0, 9)).isEqualTo(0x4B37);
  }

  /** Verifies the CRC of a real Modbus RTU request (read 1 holding register at 0 of slave 1). */
  @Test
  void matchesAModbusRtuFrame() {
    // 01 03 00 00 00 01 | CRC 84 0A (sent low byte first)
    Buffer frame = Buffer.buffer(new byte[] {0x01, 0x03, 0x00, 0x00, 0x00, 0x01});
    assertThat(Crc16Modbus.of(frame, 0, 6)).isEqualTo(0x0A84);
  }
}
