package io.busbar.verticles.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
import org.apache.kafka.common.TopicPartition;
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
        new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
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
   * passed, and returns what arrived (possibly fewer), per partition in offset order.
   */
  List<ConsumerRecord<String, byte[]>> consume(String topic, int count, Duration timeout) {
    return consumeMatching(topic, r -> true, count, timeout);
  }

  /**
   * Reads {@code topic} from the beginning (no consumer group: all partitions assigned) until
   * {@code count} records matching {@code filter} arrived or {@code timeout} passed, and returns
   * the matching ones (possibly fewer), per partition in offset order.
   */
  List<ConsumerRecord<String, byte[]>> consumeMatching(
      String topic, Predicate<ConsumerRecord<String, byte[]>> filter, int count, Duration timeout) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (var consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = List.of();
      while (partitions.isEmpty() && System.nanoTime() < deadline) {
        partitions =
            consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (records.size() < count && System.nanoTime() < deadline) {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
          if (filter.test(record)) {
            records.add(record);
          }
        }
      }
    }
    return records;
  }

  /** Waits for one record of {@code topic} whose header {@code name} is {@code value}. */
  ConsumerRecord<String, byte[]> awaitRecordWithHeader(String topic, String name, String value) {
    List<ConsumerRecord<String, byte[]>> found =
        consumeMatching(topic, r -> value.equals(headers(r).get(name)), 1, Duration.ofSeconds(30));
    if (found.isEmpty()) {
      throw new AssertionError("no record with " + name + "=" + value + " on " + topic);
    }
    return found.get(0);
  }

  /** The sum over partitions of the offsets {@code group} committed for {@code topic}. */
  long committedTotal(String group, String topic) throws Exception {
    try (Admin admin = Admin.create(adminProperties())) {
      return admin
          .listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS)
          .entrySet()
          .stream()
          .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset())
          .sum();
    }
  }

  /** The sum over partitions of the end offsets of {@code topic}: how many records it holds. */
  long endOffsetTotal(String topic) throws Exception {
    try (Admin admin = Admin.create(adminProperties())) {
      var partitions =
          admin
              .describeTopics(Set.of(topic))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(topic)
              .partitions();
      Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest =
          new java.util.HashMap<>();
      partitions.forEach(
          p ->
              latest.put(
                  new TopicPartition(topic, p.partition()),
                  org.apache.kafka.clients.admin.OffsetSpec.latest()));
      return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
          .mapToLong(info -> info.offset())
          .sum();
    }
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

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
