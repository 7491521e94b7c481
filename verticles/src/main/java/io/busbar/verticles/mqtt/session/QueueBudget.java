package io.busbar.verticles.mqtt.session;

/**
 * The bytes all sessions of a broker may hold in their queues together, so that many offline
 * sessions cannot exhaust the heap. Sessions reserve a message's size when they queue it and
 * release it when it leaves the queue. Not thread-safe: one broker, one context.
 */
public final class QueueBudget {

  private final long maxBytes;
  private long used;

  public QueueBudget(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("queue budget must be positive, was " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  public static QueueBudget unlimited() {
    return new QueueBudget(Long.MAX_VALUE);
  }

  /** The bytes a delivery counts for: payload and topic. */
  static long sizeOf(Delivery d) {
    return d.message().payload().length() + d.message().topic().length();
  }

  boolean tryReserve(long bytes) {
    if (used + bytes > maxBytes) {
      return false;
    }
    used += bytes;
    return true;
  }

  void release(long bytes) {
    used = Math.max(0, used - bytes);
  }

  public long usedBytes() {
    return used;
  }

  public long maxBytes() {
    return maxBytes;
  }
}
