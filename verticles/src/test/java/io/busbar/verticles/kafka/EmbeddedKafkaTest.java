package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The in-process KRaft cluster the other Kafka tests rely on. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedKafkaTest {

  /** Verifies that the embedded cluster starts and a produced record can be read back. */
  @Test
  void producesAndConsumes() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopics("smoke");
      kafka.produce("smoke", "k", "v".getBytes(StandardCharsets.UTF_8), Map.of("h", "1"));
      var records = kafka.consume("smoke", 1, Duration.ofSeconds(30));
      assertThat(records).hasSize(1);
      assertThat(records.get(0).key()).isEqualTo("k");
      assertThat(EmbeddedKafka.headers(records.get(0))).containsEntry("h", "1");
    }
  }
}
