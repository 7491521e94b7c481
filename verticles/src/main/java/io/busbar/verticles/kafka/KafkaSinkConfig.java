package io.busbar.verticles.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Settings of the {@link KafkaSinkVerticle}.
 *
 * @param bootstrapServers the Kafka brokers to start from, {@code host:port[,host:port…]}
 * @param telemetryTopic where readings go, one record per {@link io.busbar.codecs.model.Event}
 * @param deadLetterTopic where messages that could not be decoded go
 * @param clientId the Kafka {@code client.id}, shown in broker logs and quotas
 * @param nodeId this hub node's id, part of every record's CloudEvents {@code source}
 * @param spoolCapacity how many records may wait for Kafka (queued, being retried or not yet
 *     acknowledged) before new ones are dropped and counted in {@code busbar.kafka.dropped}
 * @param maxInFlight how many records may be handed to the producer without an acknowledgement
 *     while Kafka is healthy
 * @param deliveryTimeout how long the producer tries one record (its {@code delivery.timeout.ms});
 *     after that the record goes back to the spool and is tried again after a back-off
 * @param retryBackoff the first pause after a failed delivery; doubled on every further failure
 * @param retryBackoffMax the longest pause between delivery attempts
 * @param spoolDir where the spool keeps its segment files, so records not yet delivered survive a
 *     stop, kill -9 or crash and are sent by the next sink on this directory; {@code null} keeps
 *     the spool in memory only (lost with the process). One sink per directory.
 * @param spoolFsync when appends to the spool are forced to the device (kill -9 loses nothing
 *     either way; this decides what a power loss may take)
 * @param spoolFsyncInterval the longest time between two forces with {@link SpoolFsync#INTERVAL}
 * @param spoolSegmentBytes the size at which a new segment file starts; a segment is deleted once
 *     all its records are delivered
 */
public record KafkaSinkConfig(
    String bootstrapServers,
    String telemetryTopic,
    String deadLetterTopic,
    String clientId,
    String nodeId,
    int spoolCapacity,
    int maxInFlight,
    Duration deliveryTimeout,
    Duration retryBackoff,
    Duration retryBackoffMax,
    Path spoolDir,
    SpoolFsync spoolFsync,
    Duration spoolFsyncInterval,
    long spoolSegmentBytes) {

  public static final String DEFAULT_TELEMETRY_TOPIC = "busbar.telemetry";
  public static final String DEFAULT_DEAD_LETTER_TOPIC = "busbar.deadletters";
  public static final String DEFAULT_CLIENT_ID = "busbar-sink";
  public static final int DEFAULT_SPOOL_CAPACITY = 100_000;
  public static final int DEFAULT_MAX_IN_FLIGHT = 1_000;
  public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
  public static final Duration DEFAULT_RETRY_BACKOFF_MAX = Duration.ofSeconds(5);
  public static final SpoolFsync DEFAULT_SPOOL_FSYNC = SpoolFsync.INTERVAL;
  public static final Duration DEFAULT_SPOOL_FSYNC_INTERVAL = Duration.ofSeconds(1);
  public static final long DEFAULT_SPOOL_SEGMENT_BYTES = 16L * 1024 * 1024;

  public KafkaSinkConfig {
    ConfigChecks.bootstrapServers("bootstrapServers", bootstrapServers);
    ConfigChecks.topic("telemetryTopic", telemetryTopic);
    ConfigChecks.topic("deadLetterTopic", deadLetterTopic);
    ConfigChecks.notBlank("clientId", clientId);
    ConfigChecks.notBlank("nodeId", nodeId);
    ConfigChecks.atLeast("spoolCapacity", spoolCapacity, 1);
    ConfigChecks.atLeast("maxInFlight", maxInFlight, 1);
    ConfigChecks.atLeast("deliveryTimeout", deliveryTimeout, Duration.ofSeconds(1));
    ConfigChecks.atLeast("retryBackoff", retryBackoff, Duration.ofMillis(1));
    ConfigChecks.atLeast("retryBackoffMax", retryBackoffMax, retryBackoff);
    spoolFsync = spoolFsync == null ? DEFAULT_SPOOL_FSYNC : spoolFsync;
    spoolFsyncInterval =
        spoolFsyncInterval == null ? DEFAULT_SPOOL_FSYNC_INTERVAL : spoolFsyncInterval;
    ConfigChecks.atLeast("spoolFsyncInterval", spoolFsyncInterval, Duration.ofMillis(1));
    if (spoolSegmentBytes < 4096) {
      throw new IllegalArgumentException(
          "spoolSegmentBytes must be at least 4096, got " + spoolSegmentBytes);
    }
  }

  /** A spool in memory only (no spool directory). */
  public KafkaSinkConfig(
      String bootstrapServers,
      String telemetryTopic,
      String deadLetterTopic,
      String clientId,
      String nodeId,
      int spoolCapacity,
      int maxInFlight,
      Duration deliveryTimeout,
      Duration retryBackoff,
      Duration retryBackoffMax) {
    this(
        bootstrapServers,
        telemetryTopic,
        deadLetterTopic,
        clientId,
        nodeId,
        spoolCapacity,
        maxInFlight,
        deliveryTimeout,
        retryBackoff,
        retryBackoffMax,
        null,
        DEFAULT_SPOOL_FSYNC,
        DEFAULT_SPOOL_FSYNC_INTERVAL,
        DEFAULT_SPOOL_SEGMENT_BYTES);
  }

  /** A copy whose spool is kept in {@code dir} ({@code null}: memory only) with this policy. */
  public KafkaSinkConfig withSpoolDir(Path dir, SpoolFsync fsync, Duration fsyncInterval) {
    return edit(
        e -> {
          e.spoolDir = dir;
          e.spoolFsync = fsync;
          e.spoolFsyncInterval = fsyncInterval;
        });
  }

  /** A copy with another segment size. */
  public KafkaSinkConfig withSpoolSegmentBytes(long bytes) {
    return edit(e -> e.spoolSegmentBytes = bytes);
  }

  /** The defaults for a node, sending to {@code bootstrapServers}. */
  public static KafkaSinkConfig defaults(String bootstrapServers, String nodeId) {
    return new KafkaSinkConfig(
        bootstrapServers,
        DEFAULT_TELEMETRY_TOPIC,
        DEFAULT_DEAD_LETTER_TOPIC,
        DEFAULT_CLIENT_ID,
        nodeId,
        DEFAULT_SPOOL_CAPACITY,
        DEFAULT_MAX_IN_FLIGHT,
        DEFAULT_DELIVERY_TIMEOUT,
        DEFAULT_RETRY_BACKOFF,
        DEFAULT_RETRY_BACKOFF_MAX);
  }

  /** A copy with another spool capacity. */
  public KafkaSinkConfig withSpoolCapacity(int capacity) {
    return edit(e -> e.spoolCapacity = capacity);
  }

  /** A copy with another delivery timeout and back-off range. */
  public KafkaSinkConfig withTimeouts(Duration delivery, Duration backoff, Duration backoffMax) {
    return edit(
        e -> {
          e.deliveryTimeout = delivery;
          e.retryBackoff = backoff;
          e.retryBackoffMax = backoffMax;
        });
  }

  /**
   * The producer settings: idempotent ({@code enable.idempotence}, {@code acks=all}, at most 5
   * requests in flight per connection, which keeps the order within a partition), retrying with
   * exponential back-off until {@code deliveryTimeout}.
   */
  Map<String, Object> producerProperties() {
    long delivery = deliveryTimeout.toMillis();
    long linger = 5;
    // delivery.timeout.ms must be at least linger.ms + request.timeout.ms
    long request = Math.max(500, Math.min(30_000, (delivery - linger) / 2));
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    p.put(ProducerConfig.RETRIES_CONFIG, Integer.toString(Integer.MAX_VALUE));
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, Long.toString(retryBackoff.toMillis()));
    p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, Long.toString(retryBackoffMax.toMillis()));
    p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, Long.toString(retryBackoff.toMillis()));
    p.put(
        ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, Long.toString(retryBackoffMax.toMillis()));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(delivery));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(request));
    p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger));
    // how long send() may wait for topic metadata on the producer's worker thread; while Kafka
    // is down only one record at a time is tried, so this bounds the wait, not the throughput
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(delivery));
    return p;
  }

  /**
   * A copy with some settings changed: the one place besides the record header listing them all.
   */
  private KafkaSinkConfig edit(Consumer<Editor> change) {
    Editor e = new Editor(this);
    change.accept(e);
    return e.build();
  }

  /** The settings of one config, changeable, for {@link #edit}. */
  private static final class Editor {
    private String bootstrapServers;
    private String telemetryTopic;
    private String deadLetterTopic;
    private String clientId;
    private String nodeId;
    private int spoolCapacity;
    private int maxInFlight;
    private Duration deliveryTimeout;
    private Duration retryBackoff;
    private Duration retryBackoffMax;
    private Path spoolDir;
    private SpoolFsync spoolFsync;
    private Duration spoolFsyncInterval;
    private long spoolSegmentBytes;

    Editor(KafkaSinkConfig c) {
      bootstrapServers = c.bootstrapServers;
      telemetryTopic = c.telemetryTopic;
      deadLetterTopic = c.deadLetterTopic;
      clientId = c.clientId;
      nodeId = c.nodeId;
      spoolCapacity = c.spoolCapacity;
      maxInFlight = c.maxInFlight;
      deliveryTimeout = c.deliveryTimeout;
      retryBackoff = c.retryBackoff;
      retryBackoffMax = c.retryBackoffMax;
      spoolDir = c.spoolDir;
      spoolFsync = c.spoolFsync;
      spoolFsyncInterval = c.spoolFsyncInterval;
      spoolSegmentBytes = c.spoolSegmentBytes;
    }

    KafkaSinkConfig build() {
      return new KafkaSinkConfig(
          bootstrapServers,
          telemetryTopic,
          deadLetterTopic,
          clientId,
          nodeId,
          spoolCapacity,
          maxInFlight,
          deliveryTimeout,
          retryBackoff,
          retryBackoffMax,
          spoolDir,
          spoolFsync,
          spoolFsyncInterval,
          spoolSegmentBytes);
    }
  }
}
