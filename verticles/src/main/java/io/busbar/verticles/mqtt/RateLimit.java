package io.busbar.verticles.mqtt;

/**
 * A token bucket: {@code perSecond} permits a second, bursts up to one second's worth. Zero means
 * no limit. Not thread-safe: used on the broker's context.
 */
final class RateLimit {

  private final double perNano;
  private final double capacity;
  private double tokens;
  private long last = Long.MIN_VALUE;

  RateLimit(int perSecond) {
    this.perNano = perSecond / 1e9;
    this.capacity = perSecond;
    this.tokens = perSecond;
  }

  boolean tryAcquire(long nowNanos) {
    if (capacity == 0) {
      return true;
    }
    if (last != Long.MIN_VALUE) {
      tokens = Math.min(capacity, tokens + (nowNanos - last) * perNano);
    }
    last = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
