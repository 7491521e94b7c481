package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SpoolTest {

  /** Verifies that a full spool refuses new records and counts in-flight ones in its depth. */
  @Test
  void boundedByCapacityIncludingInFlight() {
    Spool<String> spool = new Spool<>(3, 10);
    spool.offer("0");
    spool.delivered(spool.take());
    assertThat(spool.offer("a")).isTrue();
    assertThat(spool.offer("b")).isTrue();
    var a = spool.take();
    assertThat(spool.offer("c")).isTrue();
    assertThat(spool.offer("d")).isFalse();
    assertThat(spool.depth()).isEqualTo(3);
    spool.delivered(a);
    assertThat(spool.depth()).isEqualTo(2);
    assertThat(spool.offer("d")).isTrue();
  }

  /**
   * Verifies that the first record is a probe, alone in flight, and that once it is delivered the
   * next are taken in arrival order up to the in-flight window.
   */
  @Test
  void probesFirstThenTakesInOrderWithinWindow() {
    Spool<String> spool = new Spool<>(10, 2);
    for (String s : List.of("a", "b", "c", "d")) {
      spool.offer(s);
    }
    assertThat(spool.probing()).isTrue();
    var a = spool.take();
    assertThat(a.item()).isEqualTo("a");
    assertThat(spool.canTake()).isFalse();
    spool.delivered(a);
    assertThat(spool.probing()).isFalse();
    assertThat(spool.take().item()).isEqualTo("b");
    assertThat(spool.take().item()).isEqualTo("c");
    assertThat(spool.canTake()).isFalse();
    assertThatThrownBy(spool::take).isInstanceOf(IllegalStateException.class);
  }

  /**
   * Verifies that after a failure nothing is sent until all outstanding records resolved, that
   * failed records are re-sent first in their original order, one at a time, and that a delivery
   * opens the window again.
   */
  @Test
  void failedRecordsAreRetriedFirstInOrder() {
    Spool<String> spool = new Spool<>(10, 5);
    spool.offer("0");
    spool.delivered(spool.take()); // the first probe went through: full window
    for (String s : List.of("a", "b", "c", "d", "e")) {
      spool.offer(s);
    }
    var a = spool.take();
    var b = spool.take();
    var c = spool.take();
    spool.offer("f");
    spool.failed(b); // b failed while a and c are still outstanding
    assertThat(spool.probing()).isTrue();
    assertThat(spool.canTake()).isFalse();
    spool.failed(c);
    assertThat(spool.canTake()).isFalse();
    spool.failed(a);
    assertThat(spool.depth()).isEqualTo(6);

    // one probe at a time, earliest first
    var probe = spool.take();
    assertThat(probe.item()).isEqualTo("a");
    assertThat(spool.canTake()).isFalse();
    spool.failed(probe);
    probe = spool.take();
    assertThat(probe.item()).isEqualTo("a");
    spool.delivered(probe);
    assertThat(spool.probing()).isFalse();

    List<String> order = new ArrayList<>();
    while (spool.canTake()) {
      var next = spool.take();
      order.add(next.item());
      spool.delivered(next);
    }
    assertThat(order).containsExactly("b", "c", "d", "e", "f");
    assertThat(spool.depth()).isZero();
  }

  /** Verifies that a refused record leaves the spool without reopening or shrinking the window. */
  @Test
  void rejectedRecordLeaves() {
    Spool<String> spool = new Spool<>(10, 5);
    spool.offer("a");
    spool.delivered(spool.take());
    spool.offer("b");
    spool.rejected(spool.take());
    assertThat(spool.depth()).isZero();
    assertThat(spool.probing()).isFalse();
  }

  /** Verifies that drain returns what was not in flight, retries first, oldest first. */
  @Test
  void drainReturnsWaitingRecordsInOrder() {
    Spool<String> spool = new Spool<>(10, 5);
    spool.offer("0");
    spool.delivered(spool.take());
    for (String s : List.of("a", "b", "c")) {
      spool.offer(s);
    }
    var a = spool.take();
    var b = spool.take();
    spool.failed(b);
    spool.failed(a);
    spool.offer("d");
    assertThat(spool.drain()).containsExactly("a", "b", "c", "d");
    assertThat(spool.depth()).isZero();
  }
}
