package io.busbar.verticles.kafka;

import java.util.Locale;

/**
 * When the Kafka sink's on-disk spool forces its appends to the storage device. Whatever the
 * policy, an append is in the operating system's page cache before the sink moves on, so it
 * survives kill -9 of the JVM; the policy decides what survives a power loss or a kernel crash.
 */
public enum SpoolFsync {
  /** {@code fsync} after every append batch: nothing written is lost; slowest. */
  ALWAYS,
  /** At most every {@code spoolFsyncInterval} (and on stop): loses at most that window. */
  INTERVAL,
  /** Never forced; the operating system writes back when it likes. */
  NEVER;

  /**
   * Parses {@code always}, {@code interval} or {@code never}.
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static SpoolFsync parse(String name) {
    for (SpoolFsync policy : values()) {
      if (policy.name().toLowerCase(Locale.ROOT).equals(name)) {
        return policy;
      }
    }
    throw new IllegalArgumentException(
        "spoolFsync must be one of always, interval, never, got '" + name + "'");
  }
}
