package io.busbar.verticles.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Many deadlines on one timer: the token (or client certificate) expiry of every connection of a
 * broker. Deadlines are kept per whole second of wall-clock time (a JWT {@code exp} and a
 * certificate's notAfter are whole seconds, so none is moved), each second a list that adds and
 * removes in constant time; one timer is armed for the earliest second. A connect and a disconnect
 * thus cost no timer of their own: with thousands of connections, the event loop's timer queue (a
 * heap, walked on every insert and cancel) stays small.
 *
 * <p>Not thread-safe: used from the broker's event-loop context only, like the timer it is given.
 */
final class Deadlines {

  /** The one timer: {@code Vertx.setTimer}/{@code cancelTimer} on the broker's context. */
  interface Timer {
    /** Runs {@code fire} once after {@code delayMillis}; returns an id for {@link #cancel}. */
    long set(long delayMillis, Runnable fire);

    void cancel(long id);
  }

  /** A pending deadline; {@link #cancel(Deadline)} it when its owner goes first. */
  static final class Deadline {
    private final long second;
    private final Runnable action;
    private Deadline prev;
    private Deadline next;
    private boolean pending = true;

    private Deadline(long second, Runnable action) {
      this.second = second;
      this.action = action;
    }

    /** Whether it has neither fired nor been cancelled. */
    boolean pending() {
      return pending;
    }
  }

  /** The deadlines of one second, a doubly linked list through the {@link Deadline}s. */
  private static final class Slot {
    Deadline head;
  }

  private final Timer timer;
  private final LongSupplier clockMillis;
  private final TreeMap<Long, Slot> slots = new TreeMap<>();
  private int size;

  /** The second the armed timer fires for, or {@code Long.MAX_VALUE} when none is armed. */
  private long armedSecond = Long.MAX_VALUE;

  private long armedTimer = -1;

  Deadlines(Timer timer, LongSupplier clockMillis) {
    this.timer = timer;
    this.clockMillis = clockMillis;
  }

  /**
   * Runs {@code action} at {@code atMillis} (epoch ms, rounded up to the whole second), or at once
   * on the next timer turn when that is past.
   */
  Deadline add(long atMillis, Runnable action) {
    long second = Math.floorDiv(atMillis, 1000L) + (Math.floorMod(atMillis, 1000L) == 0 ? 0 : 1);
    Deadline d = new Deadline(second, action);
    Slot slot = slots.computeIfAbsent(second, s -> new Slot());
    d.next = slot.head;
    if (slot.head != null) {
      slot.head.prev = d;
    }
    slot.head = d;
    size++;
    if (second < armedSecond) {
      arm(second);
    }
    return d;
  }

  /** Forgets {@code d} if it is still pending; a no-op for {@code null}. */
  void cancel(Deadline d) {
    if (d == null || !d.pending) {
      return;
    }
    d.pending = false;
    size--;
    Slot slot = slots.get(d.second);
    if (d.prev != null) {
      d.prev.next = d.next;
    } else if (slot != null) {
      slot.head = d.next;
    }
    if (d.next != null) {
      d.next.prev = d.prev;
    }
    d.prev = null;
    d.next = null;
    if (slot != null && slot.head == null) {
      slots.remove(d.second);
      // the armed timer stays: when it fires with nothing due it arms the next second
    }
    if (size == 0 && armedTimer >= 0) {
      timer.cancel(armedTimer);
      armedTimer = -1;
      armedSecond = Long.MAX_VALUE;
    }
  }

  /** Deadlines pending. */
  int size() {
    return size;
  }

  private void arm(long second) {
    if (armedTimer >= 0) {
      timer.cancel(armedTimer);
    }
    armedSecond = second;
    long delay = Math.max(1, second * 1000L - clockMillis.getAsLong());
    armedTimer = timer.set(delay, this::fire);
  }

  private void fire() {
    armedTimer = -1;
    armedSecond = Long.MAX_VALUE;
    long now = clockMillis.getAsLong();
    List<Runnable> due = new ArrayList<>();
    Map.Entry<Long, Slot> first;
    while ((first = slots.firstEntry()) != null && first.getKey() * 1000L <= now) {
      slots.pollFirstEntry();
      for (Deadline d = first.getValue().head; d != null; ) {
        Deadline next = d.next;
        d.pending = false;
        d.prev = null;
        d.next = null;
        size--;
        due.add(d.action);
        d = next;
      }
    }
    if (!slots.isEmpty()) {
      arm(slots.firstKey());
    }
    // after the bookkeeping: an action may add or cancel deadlines
    for (Runnable action : due) {
      action.run();
    }
  }
}
