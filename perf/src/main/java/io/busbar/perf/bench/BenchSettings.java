package io.busbar.perf.bench;

import java.time.Duration;

/**
 * Sizes of the scenarios; the defaults fit a 2-core machine shared by generator and broker.
 *
 * @param duration how long publishers publish in each scenario
 * @param drain longest wait for the last deliveries after publishing stopped
 * @param publishers publisher connections in fan-in and latency scenarios
 * @param fanoutSubscribers subscriber connections of the fan-out scenario
 * @param payloadSize bytes per PUBLISH payload (at least the 20-byte probe)
 * @param window QoS 1 PUBLISHes in flight per connection
 * @param latencyRate total messages per second of the latency scenario
 * @param fanoutRate messages per second of the fan-out publisher, 0 = unpaced
 * @param stormConnections connections opened by the connection storm
 * @param stormConcurrency connection attempts outstanding at once in the storm
 */
public record BenchSettings(
    Duration duration,
    Duration drain,
    int publishers,
    int fanoutSubscribers,
    int payloadSize,
    int window,
    double latencyRate,
    double fanoutRate,
    int stormConnections,
    int stormConcurrency) {

  public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
  public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(10);
  public static final int DEFAULT_PUBLISHERS = 10;
  public static final int DEFAULT_FANOUT_SUBSCRIBERS = 50;
  public static final int DEFAULT_PAYLOAD_SIZE = 64;
  public static final int DEFAULT_WINDOW = 32;
  public static final double DEFAULT_LATENCY_RATE = 2000;
  public static final double DEFAULT_FANOUT_RATE = 1000;
  public static final int DEFAULT_STORM_CONNECTIONS = 10_000;
  public static final int DEFAULT_STORM_CONCURRENCY = 100;

  public BenchSettings {
    if (duration.isNegative() || duration.isZero() || duration.toSeconds() > 300) {
      throw new IllegalArgumentException("duration must be in (0, 300 s], was " + duration);
    }
    positive("publishers", publishers);
    positive("subscribers", fanoutSubscribers);
    positive("connections", stormConnections);
    positive("concurrency", stormConcurrency);
    if (payloadSize < 20) {
      throw new IllegalArgumentException("payload must be at least 20 bytes, was " + payloadSize);
    }
    if (window < 1 || window > 65_535) {
      throw new IllegalArgumentException("window must be 1..65535, was " + window);
    }
    if (!(fanoutRate >= 0)) {
      throw new IllegalArgumentException(
          "fan-out rate must be 0 (unpaced) or positive, was " + fanoutRate);
    }
    if (!(latencyRate > 0)) {
      throw new IllegalArgumentException("rate must be positive, was " + latencyRate);
    }
  }

  public static BenchSettings defaults() {
    return new BenchSettings(
        DEFAULT_DURATION,
        DEFAULT_DRAIN,
        DEFAULT_PUBLISHERS,
        DEFAULT_FANOUT_SUBSCRIBERS,
        DEFAULT_PAYLOAD_SIZE,
        DEFAULT_WINDOW,
        DEFAULT_LATENCY_RATE,
        DEFAULT_FANOUT_RATE,
        DEFAULT_STORM_CONNECTIONS,
        DEFAULT_STORM_CONCURRENCY);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }

  /** One line describing the shape of {@code scenario} with these settings. */
  public String describe(Scenario scenario) {
    long s = duration.toSeconds();
    return switch (scenario) {
      case QOS0_FANIN ->
          publishers
              + " publishers → 1 subscriber on `bench/#`, QoS 0, unpaced, "
              + s
              + " s, "
              + payloadSize
              + "-byte payload";
      case QOS1_FANIN ->
          publishers
              + " publishers → 1 subscriber on `bench/#`, QoS 1 both ways, window "
              + window
              + " per publisher, "
              + s
              + " s, "
              + payloadSize
              + "-byte payload";
      case LATENCY ->
          publishers
              + " publishers → 1 subscriber on `bench/#`, QoS 1, "
              + (long) latencyRate
              + " msg/s in total, "
              + s
              + " s, "
              + payloadSize
              + "-byte payload";
      case FANOUT ->
          "1 publisher → "
              + fanoutSubscribers
              + " subscribers on `bench/fanout`, QoS 0, "
              + (fanoutRate == 0 ? "unpaced" : (long) fanoutRate + " msg/s offered")
              + ", "
              + s
              + " s, "
              + payloadSize
              + "-byte payload";
      case CONNECT_STORM ->
          stormConnections
              + " clean-session CONNECTs, "
              + stormConcurrency
              + " outstanding at once, then DISCONNECT (after an unrecorded pass of the same size)";
    };
  }
}
