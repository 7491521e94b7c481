package io.busbar.perf.store;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes one Busbar JSON telemetry message ({@code docs/payloads.md}) with {@code metrics} numeric
 * readings named {@code m0 … m(n-1)}: {@code {"ts":1732440000000,"metrics":{"m0":12.5,…}}}.
 *
 * <p>Values vary with the sequence number so the store cannot compress them away; the time stamp is
 * the wall clock at encoding. ASCII written straight into the buffer: no string building per
 * message. Stateless, so one instance may serve every connection of a generator.
 */
public final class TelemetryJson {

  private static final byte[][] NAMES = new byte[256][];

  static {
    for (int i = 0; i < NAMES.length; i++) {
      NAMES[i] = (",\"m" + i + "\":").getBytes(StandardCharsets.US_ASCII);
    }
  }

  private final int metrics;

  /**
   * @param metrics readings per message, 1..256
   */
  public TelemetryJson(int metrics) {
    if (metrics < 1 || metrics > NAMES.length) {
      throw new IllegalArgumentException("metrics must be 1.." + NAMES.length + ", was " + metrics);
    }
    this.metrics = metrics;
  }

  /** Readings in every message. */
  public int metrics() {
    return metrics;
  }

  /**
   * A {@link io.busbar.perf.load.Publisher.PayloadWriter}: the message for {@code sequence} of
   * {@code connection}; {@code payloadSize} is ignored (the JSON is as long as it is).
   */
  public void write(ByteBuf out, int connection, long sequence, long sentNanos, int payloadSize) {
    out.writeBytes(TS_OPEN);
    writeLong(out, System.currentTimeMillis());
    out.writeBytes(METRICS_OPEN);
    for (int i = 0; i < metrics; i++) {
      byte[] name = NAMES[i];
      // the first name goes without its leading comma
      out.writeBytes(name, i == 0 ? 1 : 0, i == 0 ? name.length - 1 : name.length);
      // a value with one decimal: 0.0 … 999.9, different per metric, connection and message
      long tenths = (sequence * 7 + connection * 13L + i * 101L) % 10_000;
      writeLong(out, tenths / 10);
      out.writeByte('.');
      out.writeByte('0' + (int) (tenths % 10));
    }
    out.writeBytes(CLOSE);
  }

  private static final byte[] TS_OPEN = "{\"ts\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] METRICS_OPEN = ",\"metrics\":{".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLOSE = "}}".getBytes(StandardCharsets.US_ASCII);

  private static void writeLong(ByteBuf out, long value) {
    if (value < 0) {
      out.writeByte('-');
      value = -value;
    }
    if (value >= 10) {
      writeLong(out, value / 10);
    }
    out.writeByte('0' + (int) (value % 10));
  }
}
