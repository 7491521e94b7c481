package io.busbar.perf.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SequenceTrackerTest {

  /** Verifies that a complete, in-order stream has no loss, duplicates or reordering. */
  @Test
  void completeStreamHasNoLoss() {
    SequenceTracker tracker = new SequenceTracker();
    for (int c = 0; c < 3; c++) {
      for (long s = 0; s < 100; s++) {
        assertThat(tracker.record(c, s)).isTrue();
      }
    }
    assertThat(tracker.received()).isEqualTo(300);
    assertThat(tracker.distinct()).isEqualTo(300);
    assertThat(tracker.duplicates()).isZero();
    assertThat(tracker.reordered()).isZero();
    assertThat(tracker.missing(new long[] {100, 100, 100})).isZero();
  }

  /** Verifies that gaps are counted as missing per connection, including a silent connection. */
  @Test
  void gapsAreMissing() {
    SequenceTracker tracker = new SequenceTracker();
    for (long s = 0; s < 10; s++) {
      if (s != 3 && s != 7) {
        tracker.record(0, s);
      }
    }
    assertThat(tracker.missing(0, 10)).isEqualTo(2);
    // the last two sent never arrived
    assertThat(tracker.missing(0, 12)).isEqualTo(4);
    // connection 1 sent 5, none arrived; connection 2 sent none
    assertThat(tracker.missing(new long[] {10, 5, 0})).isEqualTo(7);
  }

  /**
   * Verifies that a redelivered message counts as a duplicate, not as a new one, and hides no loss.
   */
  @Test
  void duplicatesAreCountedApart() {
    SequenceTracker tracker = new SequenceTracker();
    tracker.record(0, 0);
    tracker.record(0, 1);
    assertThat(tracker.record(0, 1)).isFalse();
    assertThat(tracker.received()).isEqualTo(3);
    assertThat(tracker.distinct()).isEqualTo(2);
    assertThat(tracker.duplicates()).isEqualTo(1);
    assertThat(tracker.missing(0, 3)).isEqualTo(1);
  }

  /** Verifies that a message arriving after a higher sequence number counts as reordered. */
  @Test
  void lateArrivalIsReordered() {
    SequenceTracker tracker = new SequenceTracker();
    tracker.record(0, 0);
    tracker.record(0, 2);
    tracker.record(0, 1);
    assertThat(tracker.reordered()).isEqualTo(1);
    assertThat(tracker.missing(0, 3)).isZero();
  }

  /** Verifies that a probe with a negative connection id or sequence is refused. */
  @Test
  void badProbeIsRefused() {
    SequenceTracker tracker = new SequenceTracker();
    assertThatThrownBy(() -> tracker.record(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> tracker.record(0, -5)).isInstanceOf(IllegalArgumentException.class);
    assertThat(tracker.received()).isZero();
  }

  /** Verifies that a probe survives the payload round trip and that a short payload is foreign. */
  @Test
  void probeRoundTripAndForeignPayload() {
    ByteBuf buf = Unpooled.buffer();
    Probe.write(buf, 7, 42, 123_456_789L, 64);
    assertThat(buf.readableBytes()).isEqualTo(64);
    assertThat(Probe.read(buf)).isEqualTo(new Probe(7, 42, 123_456_789L));

    Receiver receiver = new Receiver();
    receiver.accept(buf, 123_456_789L + 5_000);
    receiver.accept(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), 0);
    assertThat(receiver.tracker().distinct()).isEqualTo(1);
    assertThat(receiver.foreign()).isEqualTo(1);
    assertThat(receiver.latencyMicros().getMaxValue()).isEqualTo(5);
    assertThatThrownBy(() -> Probe.read(Unpooled.wrappedBuffer(new byte[4])))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
