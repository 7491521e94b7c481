package io.busbar.verticles.command;

import java.time.Duration;

/**
 * Settings of the {@link CommandVerticle}.
 *
 * @param defaultTimeout how long a command waits for the device's response when the request names
 *     no timeout
 * @param maxTimeout the longest timeout a request may ask for
 * @param maxPending the most commands waiting for responses at once; more fail with 503
 * @param failWhenNotConnected fail at once with 404 when the broker handed the command to no
 *     session (the device is neither connected nor has a persistent subscription); {@code false}
 *     waits for the timeout instead (e.g. when another node's broker may still deliver it)
 */
public record CommandConfig(
    Duration defaultTimeout, Duration maxTimeout, int maxPending, boolean failWhenNotConnected) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_MAX_TIMEOUT = Duration.ofMinutes(2);
  public static final int DEFAULT_MAX_PENDING = 10_000;

  /**
   * @throws IllegalArgumentException naming the setting and the bad value
   */
  public CommandConfig {
    if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
      throw new IllegalArgumentException("defaultTimeout must be positive, got " + defaultTimeout);
    }
    if (maxTimeout == null || maxTimeout.compareTo(defaultTimeout) < 0) {
      throw new IllegalArgumentException(
          "maxTimeout must be at least defaultTimeout (" + defaultTimeout + "), got " + maxTimeout);
    }
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be at least 1, got " + maxPending);
    }
  }

  public static CommandConfig defaults() {
    return new CommandConfig(DEFAULT_TIMEOUT, DEFAULT_MAX_TIMEOUT, DEFAULT_MAX_PENDING, true);
  }
}
