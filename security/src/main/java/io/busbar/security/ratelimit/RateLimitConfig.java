package io.busbar.security.ratelimit;

/**
 * Limits per device and per source address. A rate of {@code 0} turns that limit off.
 *
 * @param messagesPerSecond sustained PUBLISH rate of one device
 * @param messageBurst messages a device may send at once above the rate
 * @param bytesPerSecond sustained payload bytes per second of one device
 * @param byteBurst payload bytes a device may send at once above the rate
 * @param connectsPerSecond sustained CONNECT rate from one source address
 * @param connectBurst connects one source address may make at once
 * @param maxTrackedKeys devices and addresses remembered at most; when full, idle (full-bucket)
 *     entries are dropped first, and beyond that new keys are limited as a group
 */
public record RateLimitConfig(
    double messagesPerSecond,
    double messageBurst,
    double bytesPerSecond,
    double byteBurst,
    double connectsPerSecond,
    double connectBurst,
    int maxTrackedKeys) {

  public static final double DEFAULT_MESSAGES_PER_SECOND = 100;
  public static final double DEFAULT_MESSAGE_BURST = 200;
  public static final double DEFAULT_BYTES_PER_SECOND = 1_000_000;
  public static final double DEFAULT_BYTE_BURST = 2_000_000;
  public static final double DEFAULT_CONNECTS_PER_SECOND = 10;
  public static final double DEFAULT_CONNECT_BURST = 50;
  public static final int DEFAULT_MAX_TRACKED_KEYS = 200_000;

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException naming the setting and the bad value
   */
  public RateLimitConfig {
    check("messagesPerSecond", messagesPerSecond, messageBurst);
    check("bytesPerSecond", bytesPerSecond, byteBurst);
    check("connectsPerSecond", connectsPerSecond, connectBurst);
    if (maxTrackedKeys < 1) {
      throw new IllegalArgumentException("maxTrackedKeys must be ≥ 1, was " + maxTrackedKeys);
    }
  }

  private static void check(String name, double rate, double burst) {
    if (rate < 0 || Double.isNaN(rate)) {
      throw new IllegalArgumentException(name + " must be ≥ 0, was " + rate);
    }
    if (rate > 0 && !(burst >= 1)) {
      throw new IllegalArgumentException(name + ": burst must be ≥ 1, was " + burst);
    }
  }

  /** The defaults: 100 msg/s (burst 200), 1 MB/s (burst 2 MB), 10 connects/s (burst 50). */
  public static RateLimitConfig defaults() {
    return new RateLimitConfig(
        DEFAULT_MESSAGES_PER_SECOND,
        DEFAULT_MESSAGE_BURST,
        DEFAULT_BYTES_PER_SECOND,
        DEFAULT_BYTE_BURST,
        DEFAULT_CONNECTS_PER_SECOND,
        DEFAULT_CONNECT_BURST,
        DEFAULT_MAX_TRACKED_KEYS);
  }
}
