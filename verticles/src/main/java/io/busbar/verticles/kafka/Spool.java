package io.busbar.verticles.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded spool of records on their way to Kafka: new ones, ones being retried, and ones handed
 * to the producer but not yet acknowledged. A record leaves the spool only when Kafka acknowledged
 * it ({@link #delivered}) or it was refused for good ({@link #rejected}); a failed delivery puts it
 * back ({@link #failed}), so nothing accepted is lost while Kafka is away.
 *
 * <p>Order: records are taken in arrival order. The window starts at one record in flight (a probe:
 * nothing is known about Kafka yet) and opens to {@code maxInFlight} once a record is delivered.
 * After a failure it shrinks to one again, so nothing is sent until every outstanding record has
 * resolved; the failed ones are then re-sent first, in their original order, one at a time until
 * one is delivered. So a record is not handed to the producer while an earlier one might still
 * fail. (Probing matters because the producer's {@code send} waits for topic metadata one record
 * after another: a full window sent into an unreachable Kafka would fail record by record over
 * minutes, and records queued behind the first would overtake it when Kafka returns.)
 *
 * <p>Confined to one event loop, except {@link #depth()}, which any thread may read (a gauge).
 *
 * @param <T> the record type
 */
final class Spool<T> {

  /** A spooled record with its arrival number, which fixes its place in the order. */
  record Entry<T>(long sequence, T item) {}

  private final int capacity;
  private final int maxInFlight;
  private final ArrayDeque<Entry<T>> fresh = new ArrayDeque<>();
  private final PriorityQueue<Entry<T>> retries =
      new PriorityQueue<>(Comparator.comparingLong(Entry::sequence));
  private final AtomicInteger depth = new AtomicInteger();
  private long nextSequence;
  private int inFlight;
  private int window;

  Spool(int capacity, int maxInFlight) {
    this.capacity = ConfigChecks.atLeast("capacity", capacity, 1);
    this.maxInFlight = ConfigChecks.atLeast("maxInFlight", maxInFlight, 1);
    this.window = 1;
  }

  /** Adds a record at the end; false (and nothing kept) when the spool is full. */
  boolean offer(T item) {
    return add(item) != null;
  }

  /** Adds a record at the end; its entry, or {@code null} (nothing kept) when the spool is full. */
  Entry<T> add(T item) {
    if (depth.get() >= capacity) {
      return null;
    }
    Entry<T> entry = new Entry<>(nextSequence++, item);
    fresh.add(entry);
    depth.incrementAndGet();
    return entry;
  }

  /**
   * Puts back a record recovered from disk with its old sequence, whatever the capacity (it was
   * accepted once). Call before any {@link #add}, oldest first; later records are numbered after.
   */
  void restore(long sequence, T item) {
    fresh.add(new Entry<>(sequence, item));
    depth.incrementAndGet();
    nextSequence = Math.max(nextSequence, sequence + 1);
  }

  /** Numbers new records from {@code sequence} on (at least), e.g. after what is on disk. */
  void continueAfter(long sequence) {
    nextSequence = Math.max(nextSequence, sequence + 1);
  }

  /** True if a record waits and the window allows one more in flight. */
  boolean canTake() {
    return inFlight < window && (!retries.isEmpty() || !fresh.isEmpty());
  }

  /**
   * Takes the next record to send (earliest retry first) and counts it in flight.
   *
   * @throws IllegalStateException if {@link #canTake()} is false
   */
  Entry<T> take() {
    if (!canTake()) {
      throw new IllegalStateException("nothing to take: inFlight=" + inFlight + "/" + window);
    }
    Entry<T> next = retries.isEmpty() ? fresh.poll() : retries.poll();
    inFlight++;
    return next;
  }

  /** Kafka acknowledged the record: it leaves the spool; once nothing is in flight, full window. */
  void delivered(Entry<T> entry) {
    inFlight--;
    depth.decrementAndGet();
    if (inFlight == 0) {
      window = maxInFlight;
    }
  }

  /** The delivery failed but may succeed later: the record goes back, in its place in the order. */
  void failed(Entry<T> entry) {
    inFlight--;
    retries.add(entry);
    window = 1;
  }

  /** Kafka refused the record for good (e.g. too large): it leaves the spool. */
  void rejected(Entry<T> entry) {
    inFlight--;
    depth.decrementAndGet();
  }

  /** Removes and returns every record not in flight, oldest first (at shutdown). */
  List<T> drain() {
    List<Entry<T>> all = new ArrayList<>(retries);
    all.sort(Comparator.comparingLong(Entry::sequence));
    all.addAll(fresh);
    retries.clear();
    fresh.clear();
    depth.addAndGet(-all.size());
    List<T> items = new ArrayList<>(all.size());
    all.forEach(e -> items.add(e.item()));
    return items;
  }

  /** Records in the spool: waiting, being retried or in flight. Any thread. */
  int depth() {
    return depth.get();
  }

  int inFlight() {
    return inFlight;
  }

  /** True while only one record at a time is tried (after a failure, until a delivery). */
  boolean probing() {
    return window < maxInFlight;
  }
}
