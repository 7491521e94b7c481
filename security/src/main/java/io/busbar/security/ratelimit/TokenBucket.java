package io.busbar.security.ratelimit;

import java.util.function.LongSupplier;

/**
 * A token bucket: holds up to {@code capacity} tokens, refilled at {@code ratePerSecond}; an action
 * that costs {@code n} tokens goes ahead only when {@code n} are there. Thread-safe (synchronized;
 * one bucket is touched by one connection, so the lock is uncontended).
 */
public final class TokenBucket {

  private static final double NANOS_PER_SECOND = 1_000_000_000.0;

  private final double capacity;
  private final double perNano;
  private final LongSupplier nanoTime;
  private double tokens;
  private long lastRefill;

  /**
   * @param ratePerSecond sustained rate, > 0
   * @param capacity burst size, ≥ 1; the bucket starts full
   * @param nanoTime the clock, {@code System::nanoTime} outside tests
   */
  public TokenBucket(double ratePerSecond, double capacity, LongSupplier nanoTime) {
    if (!(ratePerSecond > 0) || !(capacity >= 1)) {
      throw new IllegalArgumentException(
          "rate " + ratePerSecond + "/s and burst " + capacity + " must be > 0 and ≥ 1");
    }
    this.capacity = capacity;
    this.perNano = ratePerSecond / NANOS_PER_SECOND;
    this.nanoTime = nanoTime;
    this.tokens = capacity;
    this.lastRefill = nanoTime.getAsLong();
  }

  /** Takes {@code cost} tokens if they are there; {@code false} (and nothing taken) if not. */
  public synchronized boolean tryTake(double cost) {
    refill();
    if (tokens >= cost) {
      tokens -= cost;
      return true;
    }
    return false;
  }

  /**
   * Takes {@code cost} tokens even if that leaves the bucket in debt (a message already received
   * must be counted); the debt is paid back by the refill before anything else goes through.
   */
  public synchronized void takeAnyway(double cost) {
    refill();
    tokens = Math.max(tokens - cost, -capacity);
  }

  /** Tokens there now. */
  public synchronized double available() {
    refill();
    return tokens;
  }

  /** Whether the bucket is full again (nothing to remember about its owner). */
  public synchronized boolean isFull() {
    refill();
    return tokens >= capacity;
  }

  private void refill() {
    long now = nanoTime.getAsLong();
    long elapsed = now - lastRefill;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * perNano);
      lastRefill = now;
    }
  }
}
