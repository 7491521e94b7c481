package io.busbar.verticles.storage;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Lets a repeated warning through at most once per period, from any thread. */
final class LogThrottle {

  private final long periodNanos;
  private final AtomicLong nextAllowed = new AtomicLong(System.nanoTime());

  LogThrottle(Duration period) {
    this.periodNanos = period.toNanos();
  }

  /** True if the caller should log now; then the next period starts. */
  boolean tryAcquire() {
    long now = System.nanoTime();
    long next = nextAllowed.get();
    return now - next >= 0 && nextAllowed.compareAndSet(next, now + periodNanos);
  }
}
