package io.busbar.perf.load;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What one subscriber connection received: a {@link SequenceTracker} for loss and duplicates and a
 * histogram of end-to-end latency in microseconds (send {@code nanoTime} in the probe to receive
 * {@code nanoTime}). Payloads that are not probes are counted apart, never thrown.
 *
 * <p>Runs on the generator's event loop only.
 */
public final class Receiver {

  /** Latencies above this are clamped (and still counted) rather than failing the run. */
  private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(5);

  private final SequenceTracker tracker = new SequenceTracker();
  private final Histogram latencyMicros = new Histogram(MAX_MICROS, 3);
  private long foreign;
  private long firstNanos;
  private long lastNanos;

  /** Records one delivered payload, received at {@code nowNanos}. */
  public void accept(ByteBuf payload, long nowNanos) {
    if (payload.readableBytes() < Probe.SIZE) {
      foreign++;
      return;
    }
    int at = payload.readerIndex();
    int connection = payload.getInt(at);
    long sequence = payload.getLong(at + 4);
    long sent = payload.getLong(at + 12);
    if (connection < 0 || sequence < 0 || sequence > Integer.MAX_VALUE) {
      foreign++;
      return;
    }
    if (tracker.received() == 0) {
      firstNanos = nowNanos;
    }
    lastNanos = nowNanos;
    tracker.record(connection, sequence);
    long micros = Math.max(0, (nowNanos - sent) / 1000);
    latencyMicros.recordValue(Math.min(micros, MAX_MICROS));
  }

  public SequenceTracker tracker() {
    return tracker;
  }

  public Histogram latencyMicros() {
    return latencyMicros;
  }

  /** Payloads that did not carry a probe. */
  public long foreign() {
    return foreign;
  }

  /** {@code nanoTime} of the first probe received, 0 before any. */
  public long firstNanos() {
    return firstNanos;
  }

  /** {@code nanoTime} of the last probe received, 0 before any. */
  public long lastNanos() {
    return lastNanos;
  }
}
