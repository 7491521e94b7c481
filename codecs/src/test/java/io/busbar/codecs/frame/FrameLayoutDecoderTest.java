package io.busbar.codecs.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FrameLayoutDecoderTest {

  private static final String TOPIC = "devices/plc7/frames/plc1";
  private static final MessageContext CTX = new MessageContext("acme", "plc7", TOPIC, 9_000L, null);

  /** The layout of the test frames: 24 bytes, CRC-16/Modbus over bytes 0..21 at 22, low first. */
  private static final FrameLayout PLC1 =
      FrameLayout.fixed(
          "plc1",
          24,
          List.of(
              FieldSpec.of("temperature", 0, FieldType.I16).scaled(0.1, 0, "°C"),
              FieldSpec.of("pressure", 2, FieldType.U16)
                  .withByteOrder(ByteOrder.LITTLE_ENDIAN)
                  .scaled(0.01, 1.0, "bar"),
              FieldSpec.bits("running", 4, 1, 0, 1),
              FieldSpec.bits("mode", 4, 1, 4, 3),
              FieldSpec.of("flow", 5, FieldType.F32).scaled(1, 0, "m3/h"),
              FieldSpec.of("counter", 9, FieldType.U32),
              FieldSpec.text("batch", 13, 6),
              FieldSpec.of("status", 19, FieldType.U8),
              FieldSpec.of("offset", 20, FieldType.I8),
              FieldSpec.of("spare", 21, FieldType.U8)),
          new Checksum(Checksum.Algorithm.CRC16_MODBUS, 0, 22, 22, ByteOrder.LITTLE_ENDIAN));

  private static final FrameLayoutDecoder DECODER = new FrameLayoutDecoder(Map.of("plc1", PLC1));

  /** A valid frame of the PLC1 layout, with its CRC appended. */
  private static Buffer frame() {
    Buffer b =
        Buffer.buffer()
            .appendShort((short) -123) // 0  temperature i16 BE: -12.3 °C
            .appendUnsignedShortLE(250) // 2  pressure u16 LE: 250 * 0.01 + 1 = 3.5 bar
            .appendUnsignedByte((short) 0b0101_0001) // 4  running = bit 0; mode = bits 4..6 = 5
            .appendFloat(12.5f) // 5  flow f32 BE
            .appendUnsignedInt(4_000_000_000L) // 9  counter u32 BE (above Integer.MAX_VALUE)
            .appendString("B-17") // 13 batch, 6 bytes, NUL padded
            .appendBytes(new byte[] {0, 0})
            .appendUnsignedByte((short) 200) // 19 status u8
            .appendByte((byte) -5) // 20 offset i8
            .appendByte((byte) 0); // 21 spare
    return b.appendUnsignedShortLE(Crc16Modbus.of(b, 0, 22)); // 22 CRC, low byte first
  }

  private static List<Event> events(DecodeResult result) {
    assertThat(result).isInstanceOf(DecodeResult.Decoded.class);
    return ((DecodeResult.Decoded) result).events();
  }

  private static String reason(DecodeResult result) {
    assertThat(result).isInstanceOf(DecodeResult.Rejected.class);
    return ((DecodeResult.Rejected) result).reason();
  }

  private static Value value(List<Event> events, String metric) {
    return events.stream().filter(e -> e.metric().equals(metric)).findFirst().orElseThrow().value();
  }

  /** Verifies that every field type is read at its offset, in its byte order, scaled, with unit. */
  @Test
  void decodesEveryFieldOfAFrame() {
    List<Event> events = events(DECODER.decode(CTX, frame()));
    assertThat(events).hasSize(10);
    assertThat(events.get(0))
        .isEqualTo(
            new Event(
                "acme", "plc7", "temperature", 9_000L, Value.of(-12.3), Quality.GOOD, "°C", TOPIC));
    assertThat(((Value.Numeric) value(events, "temperature")).value()).isCloseTo(-12.3, within());
    assertThat(((Value.Numeric) value(events, "pressure")).value()).isCloseTo(3.5, within());
    assertThat(value(events, "running")).isEqualTo(Value.of(true));
    assertThat(value(events, "mode")).isEqualTo(Value.of(5.0));
    assertThat(value(events, "flow")).isEqualTo(Value.of(12.5));
    assertThat(value(events, "counter")).isEqualTo(Value.of(4_000_000_000.0));
    assertThat(value(events, "batch")).isEqualTo(Value.of("B-17"));
    assertThat(value(events, "status")).isEqualTo(Value.of(200.0));
    assertThat(value(events, "offset")).isEqualTo(Value.of(-5.0));
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }

  /** Verifies that 64-bit fields keep their sign and unsigned range. */
  @Test
  void decodesSixtyFourBitFields() {
    FrameLayout wide =
        FrameLayout.fixed(
            "wide",
            24,
            List.of(
                FieldSpec.of("u", 0, FieldType.U64),
                FieldSpec.of("i", 8, FieldType.I64).withByteOrder(ByteOrder.LITTLE_ENDIAN),
                FieldSpec.of("d", 16, FieldType.F64)),
            null);
    Buffer b = Buffer.buffer().appendLong(-1L).appendLongLE(-42L).appendDouble(Math.PI);
    List<Event> events = events(FrameLayoutDecoder.decode(wide, CTX, b));
    assertThat(value(events, "u")).isEqualTo(Value.of(18446744073709551615.0));
    assertThat(value(events, "i")).isEqualTo(Value.of(-42.0));
    assertThat(value(events, "d")).isEqualTo(Value.of(Math.PI));
  }

  /** Verifies that a NaN float is kept as a BAD reading, not dropped nor passed as a number. */
  @Test
  void keepsNonFiniteFloatsAsBadQuality() {
    FrameLayout one = FrameLayout.fixed("f", 4, List.of(FieldSpec.of("x", 0, FieldType.F32)), null);
    Event e =
        events(FrameLayoutDecoder.decode(one, CTX, Buffer.buffer().appendFloat(Float.NaN))).get(0);
    assertThat(e.quality()).isEqualTo(Quality.BAD);
    assertThat(e.value()).isEqualTo(Value.of("NaN"));
  }

  /** Verifies that CRC-32 frames are checked, with positions counted from the end. */
  @Test
  void checksCrc32FromTheEnd() {
    FrameLayout tail =
        FrameLayout.atLeast(
            "tail",
            6,
            List.of(FieldSpec.of("x", 0, FieldType.U16)),
            new Checksum(Checksum.Algorithm.CRC32, 0, -4, -4, ByteOrder.BIG_ENDIAN));
    Buffer body = Buffer.buffer().appendUnsignedShort(7).appendString("extra");
    CRC32 crc = new CRC32();
    crc.update(body.getBytes());
    Buffer good = body.copy().appendUnsignedInt(crc.getValue());
    assertThat(value(events(FrameLayoutDecoder.decode(tail, CTX, good)), "x"))
        .isEqualTo(Value.of(7.0));
    Buffer bad = body.copy().appendUnsignedInt(crc.getValue() ^ 1);
    assertThat(reason(FrameLayoutDecoder.decode(tail, CTX, bad)))
        .contains("CRC32 mismatch at offset 7");
  }

  /** Verifies that bad frames are rejected with the layout, the length or the checksum named. */
  @Test
  void rejectsBadFramesWithPreciseReasons() {
    Buffer good = frame();
    assertThat(reason(DECODER.decode(CTX, good.getBuffer(0, 20))))
        .isEqualTo("layout 'plc1': frame is 20 bytes, expected exactly 24");
    assertThat(reason(DECODER.decode(CTX, good.copy().appendByte((byte) 0))))
        .contains("frame is 25 bytes");
    Buffer corrupt = good.copy();
    corrupt.setByte(3, (byte) (corrupt.getByte(3) ^ 0x10));
    assertThat(reason(DECODER.decode(CTX, corrupt)))
        .startsWith("layout 'plc1': CRC16_MODBUS mismatch at offset 22");
    MessageContext unknown =
        new MessageContext("acme", "plc7", "devices/plc7/frames/plc9", 1, null);
    assertThat(reason(DECODER.decode(unknown, good)))
        .isEqualTo("unknown frame layout 'plc9': configured [plc1]");
    assertThat(reason(DECODER.decode(CTX, Buffer.buffer()))).contains("frame is 0 bytes");
  }

  /** Verifies that no byte sequence makes the decoder throw: random and mutated frames. */
  @Test
  void neverThrowsOnArbitraryBytes() {
    FrameLayout noCrc = new FrameLayout("nocrc", 0, 22, PLC1.fields(), null);
    FrameLayoutDecoder decoder = new FrameLayoutDecoder(Map.of("plc1", PLC1, "nocrc", noCrc));
    MessageContext ctx2 = new MessageContext("acme", "plc7", "devices/plc7/frames/nocrc", 1, null);
    Random random = new Random(99);
    byte[] valid = frame().getBytes();
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes;
      if (i % 2 == 0) {
        bytes = new byte[random.nextInt(40)];
        random.nextBytes(bytes);
      } else {
        bytes = valid.clone();
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      assertThat(decoder.decode(CTX, Buffer.buffer(bytes))).isNotNull();
      DecodeResult r = decoder.decode(ctx2, Buffer.buffer(bytes));
      if (bytes.length >= 22) {
        assertThat(r).isInstanceOf(DecodeResult.Decoded.class);
      } else {
        assertThat(r).isInstanceOf(DecodeResult.Rejected.class);
      }
    }
  }
}
