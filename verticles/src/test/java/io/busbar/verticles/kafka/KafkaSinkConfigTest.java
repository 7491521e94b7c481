package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class KafkaSinkConfigTest {

  private static KafkaSinkConfig defaults() {
    return KafkaSinkConfig.defaults("127.0.0.1:9092", "node-1");
  }

  /** Verifies that the defaults name the documented topics and are valid. */
  @Test
  void defaultsAreValid() {
    KafkaSinkConfig c = defaults();
    assertThat(c.telemetryTopic()).isEqualTo("busbar.telemetry");
    assertThat(c.deadLetterTopic()).isEqualTo("busbar.deadletters");
    assertThat(c.spoolCapacity()).isEqualTo(KafkaSinkConfig.DEFAULT_SPOOL_CAPACITY);
    assertThat(KafkaSinkConfig.defaults("a:1,b.example:9093", "n").bootstrapServers())
        .isEqualTo("a:1,b.example:9093");
  }

  /** Verifies that the producer is idempotent, waits for all replicas and bounds delivery. */
  @Test
  void producerIsIdempotentAndBounded() {
    var p =
        defaults()
            .withTimeouts(Duration.ofSeconds(4), Duration.ofMillis(50), Duration.ofSeconds(1))
            .producerProperties();
    assertThat(p)
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5")
        .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "4000")
        .containsEntry(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50")
        .containsEntry(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");
    long request = Long.parseLong((String) p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG));
    long linger = Long.parseLong((String) p.get(ProducerConfig.LINGER_MS_CONFIG));
    // Kafka refuses delivery.timeout.ms < linger.ms + request.timeout.ms
    assertThat(request + linger).isLessThanOrEqualTo(4000);
  }

  /** Verifies that every bad setting is refused with the field's name and the bad value. */
  @Test
  void refusesBadSettingsNamingTheField() {
    assertThatThrownBy(() -> KafkaSinkConfig.defaults("", "n"))
        .hasMessageContaining("bootstrapServers");
    assertThatThrownBy(() -> KafkaSinkConfig.defaults("localhost", "n"))
        .hasMessageContaining("bootstrapServers")
        .hasMessageContaining("localhost");
    assertThatThrownBy(() -> KafkaSinkConfig.defaults("localhost:99999", "n"))
        .hasMessageContaining("bootstrapServers")
        .hasMessageContaining("99999");
    assertThatThrownBy(() -> KafkaSinkConfig.defaults("h:1", " ")).hasMessageContaining("nodeId");
    assertThatThrownBy(() -> defaults().withSpoolCapacity(0))
        .hasMessageContaining("spoolCapacity")
        .hasMessageContaining("0");
    KafkaSinkConfig d = defaults();
    assertThatThrownBy(
            () ->
                new KafkaSinkConfig(
                    d.bootstrapServers(),
                    "bad topic",
                    d.deadLetterTopic(),
                    d.clientId(),
                    d.nodeId(),
                    1,
                    1,
                    d.deliveryTimeout(),
                    d.retryBackoff(),
                    d.retryBackoffMax()))
        .hasMessageContaining("telemetryTopic")
        .hasMessageContaining("bad topic");
    assertThatThrownBy(
            () ->
                new KafkaSinkConfig(
                    d.bootstrapServers(),
                    d.telemetryTopic(),
                    "..",
                    d.clientId(),
                    d.nodeId(),
                    1,
                    1,
                    d.deliveryTimeout(),
                    d.retryBackoff(),
                    d.retryBackoffMax()))
        .hasMessageContaining("deadLetterTopic");
    assertThatThrownBy(
            () -> d.withTimeouts(Duration.ofMillis(10), d.retryBackoff(), d.retryBackoffMax()))
        .hasMessageContaining("deliveryTimeout");
    assertThatThrownBy(
            () -> d.withTimeouts(d.deliveryTimeout(), Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("retryBackoffMax");
  }
}
