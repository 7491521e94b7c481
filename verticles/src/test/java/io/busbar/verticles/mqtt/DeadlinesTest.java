package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The one-timer deadline list that holds the token expiry of every connection. */
class DeadlinesTest {

  /** A manual clock and timer: {@link #advance} fires what is due, in order. */
  private static final class FakeTimer implements Deadlines.Timer {
    long now;
    long nextId;
    final TreeMap<Long, Map.Entry<Long, Runnable>> armed = new TreeMap<>();
    int set;

    @Override
    public long set(long delayMillis, Runnable fire) {
      set++;
      long id = nextId++;
      armed.put(id, Map.entry(now + delayMillis, fire));
      return id;
    }

    @Override
    public void cancel(long id) {
      armed.remove(id);
    }

    void advance(long millis) {
      long end = now + millis;
      while (true) {
        Map.Entry<Long, Map.Entry<Long, Runnable>> next =
            armed.entrySet().stream()
                .filter(e -> e.getValue().getKey() <= end)
                .min((a, b) -> Long.compare(a.getValue().getKey(), b.getValue().getKey()))
                .orElse(null);
        if (next == null) {
          break;
        }
        armed.remove(next.getKey());
        now = Math.max(now, next.getValue().getKey());
        next.getValue().getValue().run();
      }
      now = end;
    }
  }

  /** Verifies that deadlines fire at their second, in time order, not before. */
  @Test
  void firesEachDeadlineAtItsSecond() {
    FakeTimer timer = new FakeTimer();
    timer.now = 10_000;
    Deadlines deadlines = new Deadlines(timer, () -> timer.now);
    List<String> fired = new ArrayList<>();
    deadlines.add(13_000, () -> fired.add("c"));
    deadlines.add(11_000, () -> fired.add("a"));
    deadlines.add(12_000, () -> fired.add("b"));
    assertThat(deadlines.size()).isEqualTo(3);
    timer.advance(999);
    assertThat(fired).isEmpty();
    timer.advance(1);
    assertThat(fired).containsExactly("a");
    timer.advance(2_000);
    assertThat(fired).containsExactly("a", "b", "c");
    assertThat(deadlines.size()).isZero();
    assertThat(timer.armed).as("no timer left armed").isEmpty();
  }

  /** Verifies that a deadline within a second is rounded up to it, never fired early. */
  @Test
  void roundsUpToTheWholeSecond() {
    FakeTimer timer = new FakeTimer();
    timer.now = 10_000;
    Deadlines deadlines = new Deadlines(timer, () -> timer.now);
    List<String> fired = new ArrayList<>();
    deadlines.add(10_001, () -> fired.add("x"));
    timer.advance(999);
    assertThat(fired).isEmpty();
    timer.advance(1);
    assertThat(fired).containsExactly("x");
  }

  /** Verifies that a cancelled deadline never runs, and its slot's neighbours still do. */
  @Test
  void cancelledDeadlinesDoNotRun() {
    FakeTimer timer = new FakeTimer();
    Deadlines deadlines = new Deadlines(timer, () -> timer.now);
    List<Integer> fired = new ArrayList<>();
    List<Deadlines.Deadline> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      all.add(deadlines.add(5_000, () -> fired.add(n)));
    }
    deadlines.cancel(all.get(0));
    deadlines.cancel(all.get(2));
    deadlines.cancel(all.get(4));
    deadlines.cancel(all.get(4)); // twice: no effect
    deadlines.cancel(null);
    assertThat(deadlines.size()).isEqualTo(2);
    assertThat(all.get(2).pending()).isFalse();
    timer.advance(5_000);
    assertThat(fired).containsExactlyInAnyOrder(1, 3);
    assertThat(all.get(1).pending()).isFalse();
    deadlines.cancel(all.get(1)); // after firing: no effect
    assertThat(deadlines.size()).isZero();
  }

  /**
   * Verifies that many deadlines share one timer: it is armed for the earliest second only, and
   * cancelled when the last deadline goes.
   */
  @Test
  void oneTimerForAllDeadlines() {
    FakeTimer timer = new FakeTimer();
    Deadlines deadlines = new Deadlines(timer, () -> timer.now);
    List<Deadlines.Deadline> all = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      all.add(deadlines.add(60_000 + (i % 10) * 1_000L, () -> {}));
    }
    assertThat(timer.set).isEqualTo(1);
    assertThat(timer.armed).hasSize(1);
    all.forEach(deadlines::cancel);
    assertThat(timer.armed).isEmpty();
    // an earlier deadline moves the timer forward
    deadlines.add(9_000, () -> {});
    deadlines.add(3_000, () -> {});
    assertThat(timer.armed).hasSize(1);
    assertThat(timer.armed.firstEntry().getValue().getKey()).isEqualTo(3_000);
  }

  /**
   * Verifies that an action may add and cancel deadlines (a re-authentication moves its own), and
   * that a deadline in the past runs on the next timer turn.
   */
  @Test
  void actionsMayAddDeadlinesAndPastOnesRunAtOnce() {
    FakeTimer timer = new FakeTimer();
    timer.now = 1_000;
    Deadlines deadlines = new Deadlines(timer, () -> timer.now);
    List<String> fired = new ArrayList<>();
    Deadlines.Deadline later = deadlines.add(4_000, () -> fired.add("later"));
    deadlines.add(
        2_000,
        () -> {
          fired.add("first");
          deadlines.cancel(later);
          deadlines.add(3_000, () -> fired.add("added"));
        });
    deadlines.add(500, () -> fired.add("past"));
    timer.advance(1);
    assertThat(fired).containsExactly("past");
    timer.advance(5_000);
    assertThat(fired).containsExactly("past", "first", "added");
    assertThat(deadlines.size()).isZero();
  }
}
