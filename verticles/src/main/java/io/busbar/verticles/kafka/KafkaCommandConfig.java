package io.busbar.verticles.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Settings of the {@link KafkaCommandSourceVerticle}.
 *
 * @param bootstrapServers the Kafka brokers to start from, {@code host:port[,host:port…]}
 * @param commandTopic where backend applications produce commands
 * @param replyTopic where replies go unless a command names its own {@code replyTo}
 * @param groupId the consumer group; every hub node uses the same one, so each command is executed
 *     by one node
 * @param clientId the Kafka {@code client.id} prefix
 * @param nodeId this hub node's id, part of every reply's CloudEvents {@code source}
 * @param requestTimeout how long a command may wait for the device's answer before the reply says
 *     {@code timeout}
 * @param maxPollRecords the most commands read and executed in one round; their offsets are
 *     committed together once every reply is produced
 * @param autoOffsetReset where a new consumer group starts: {@code latest} (commands produced
 *     before the hub first ran are ignored) or {@code earliest}
 * @param retryBackoff the pause before commands are read again after a reply could not be produced
 */
public record KafkaCommandConfig(
    String bootstrapServers,
    String commandTopic,
    String replyTopic,
    String groupId,
    String clientId,
    String nodeId,
    Duration requestTimeout,
    int maxPollRecords,
    String autoOffsetReset,
    Duration retryBackoff) {

  public static final String DEFAULT_COMMAND_TOPIC = "busbar.commands";
  public static final String DEFAULT_REPLY_TOPIC = "busbar.command-replies";
  public static final String DEFAULT_GROUP_ID = "busbar-commands";
  public static final String DEFAULT_CLIENT_ID = "busbar-commands";
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_POLL_RECORDS = 50;
  public static final String DEFAULT_AUTO_OFFSET_RESET = "latest";
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);

  /** How long the producer tries to deliver one reply. */
  static final Duration REPLY_DELIVERY_TIMEOUT = Duration.ofSeconds(30);

  private static final Set<String> OFFSET_RESETS = Set.of("latest", "earliest");

  public KafkaCommandConfig {
    ConfigChecks.bootstrapServers("bootstrapServers", bootstrapServers);
    ConfigChecks.topic("commandTopic", commandTopic);
    ConfigChecks.topic("replyTopic", replyTopic);
    ConfigChecks.notBlank("groupId", groupId);
    ConfigChecks.notBlank("clientId", clientId);
    ConfigChecks.notBlank("nodeId", nodeId);
    ConfigChecks.atLeast("requestTimeout", requestTimeout, Duration.ofMillis(1));
    ConfigChecks.atLeast("maxPollRecords", maxPollRecords, 1);
    if (!OFFSET_RESETS.contains(autoOffsetReset)) {
      throw new IllegalArgumentException(
          "autoOffsetReset must be 'latest' or 'earliest', got '" + autoOffsetReset + "'");
    }
    ConfigChecks.atLeast("retryBackoff", retryBackoff, Duration.ofMillis(1));
  }

  /** The defaults for a node, reading from {@code bootstrapServers}. */
  public static KafkaCommandConfig defaults(String bootstrapServers, String nodeId) {
    return new KafkaCommandConfig(
        bootstrapServers,
        DEFAULT_COMMAND_TOPIC,
        DEFAULT_REPLY_TOPIC,
        DEFAULT_GROUP_ID,
        DEFAULT_CLIENT_ID,
        nodeId,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_MAX_POLL_RECORDS,
        DEFAULT_AUTO_OFFSET_RESET,
        DEFAULT_RETRY_BACKOFF);
  }

  /**
   * The consumer settings: manual commits (offsets are committed only after the replies were
   * produced), and a poll interval long enough for a full round of commands that all time out.
   */
  Map<String, Object> consumerProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-consumer-" + nodeId);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, autoOffsetReset);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // worst case for one round: every command of one device, each timing out, each reply slow
    long round =
        (requestTimeout.toMillis() + REPLY_DELIVERY_TIMEOUT.toMillis()) * maxPollRecords + 60_000;
    p.put(
        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
        Long.toString(Math.min(Integer.MAX_VALUE, round)));
    return p;
  }

  /**
   * The reply producer: idempotent, {@code acks=all}, a reply given up after {@link
   * #REPLY_DELIVERY_TIMEOUT} (then the command is read again).
   */
  Map<String, Object> producerProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-replies-" + nodeId);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    p.put(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        Long.toString(REPLY_DELIVERY_TIMEOUT.toMillis()));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    return p;
  }
}
