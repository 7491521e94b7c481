package io.busbar.verticles.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real, in-process Kafka cluster for tests: one node in KRaft combined mode (broker and
 * controller), listening on 127.0.0.1, started through Kafka's own {@code KafkaClusterTestKit}.
 * Start one per test class; it takes a few seconds.
 */
final class EmbeddedKafka implements AutoCloseable {

  static final int PARTITIONS = 3;

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Starts a cluster whose client listener binds an ephemeral port. */
  static EmbeddedKafka start() throws Exception {
    return start(0);
  }

  /**
   * Starts a cluster whose client listener binds {@code port} (0: ephemeral), so a client
   * configured before the broker exists finds it there once it is up.
   */
  static EmbeddedKafka start(int port) throws Exception {
    TestKitNodes nodes =
        new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
            .build();
    // the test kit binds localhost:0; its per-broker overrides are applied after its own
    // settings, so this pins the client listener to loopback and, if asked, a fixed port
    nodes
        .brokerNodes()
        .get(0)
        .propertyOverrides()
        .put("listeners", "EXTERNAL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:0");
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(nodes)
            .setConfigProp("num.partitions", Integer.toString(PARTITIONS))
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("auto.create.topics.enable", "true")
            .build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return new EmbeddedKafka(cluster);
  }

  String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Creates the topics with {@link #PARTITIONS} partitions each. */
  void createTopics(String... topics) throws Exception {
    try (Admin admin = Admin.create(adminProperties())) {
      List<NewTopic> newTopics = new ArrayList<>();
      for (String topic : topics) {
        newTopics.add(new NewTopic(topic, PARTITIONS, (short) 1));
      }
      admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
    }
  }

  private Properties adminProperties() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return props;
  }

  /**
   * Reads {@code topic} from the beginning until {@code count} records arrived or {@code timeout}
   * passed, and returns what arrived (possibly fewer).
   */
  List<ConsumerRecord<String, byte[]>> consume(String topic, int count, Duration timeout) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(Set.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (records.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /** Produces one record and waits for the broker's acknowledgement. */
  void produce(String topic, String key, byte[] value, Map<String, String> headers)
      throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    try (var producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      var record = new ProducerRecord<String, byte[]>(topic, key, value);
      headers.forEach((name, v) -> record.headers().add(name, v.getBytes()));
      producer.send(record).get(30, TimeUnit.SECONDS);
    }
  }

  /** Returns the header values of a record by name (the last one of each name). */
  static Map<String, String> headers(ConsumerRecord<?, ?> record) {
    var map = new java.util.LinkedHashMap<String, String>();
    record
        .headers()
        .forEach(
            h -> map.put(h.key(), new String(h.value(), java.nio.charset.StandardCharsets.UTF_8)));
    return map;
  }

  static String describe(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().map(r -> r.key() + "@" + r.partition()).collect(Collectors.joining(","));
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
