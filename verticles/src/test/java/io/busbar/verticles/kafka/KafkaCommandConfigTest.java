package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class KafkaCommandConfigTest {

  /** Verifies the documented defaults and that offsets are never committed automatically. */
  @Test
  void defaultsCommitManually() {
    KafkaCommandConfig c = KafkaCommandConfig.defaults("127.0.0.1:9092", "node-1");
    assertThat(c.commandTopic()).isEqualTo("busbar.commands");
    assertThat(c.replyTopic()).isEqualTo("busbar.command-replies");
    assertThat(c.consumerProperties())
        .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
        .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "busbar-commands")
        .containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    // a full round of commands that all time out still fits in one poll interval
    long interval =
        Long.parseLong(
            (String) c.consumerProperties().get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG));
    assertThat(interval).isGreaterThan(c.requestTimeout().toMillis() * c.maxPollRecords());
  }

  /** Verifies that bad settings are refused with the field's name. */
  @Test
  void refusesBadSettingsNamingTheField() {
    KafkaCommandConfig d = KafkaCommandConfig.defaults("h:1", "n");
    assertThatThrownBy(
            () ->
                new KafkaCommandConfig(
                    d.bootstrapServers(),
                    "a/b",
                    d.replyTopic(),
                    d.groupId(),
                    d.clientId(),
                    d.nodeId(),
                    d.requestTimeout(),
                    d.maxPollRecords(),
                    d.autoOffsetReset(),
                    d.retryBackoff()))
        .hasMessageContaining("commandTopic")
        .hasMessageContaining("a/b");
    assertThatThrownBy(
            () ->
                new KafkaCommandConfig(
                    d.bootstrapServers(),
                    d.commandTopic(),
                    d.replyTopic(),
                    d.groupId(),
                    d.clientId(),
                    d.nodeId(),
                    Duration.ZERO,
                    d.maxPollRecords(),
                    d.autoOffsetReset(),
                    d.retryBackoff()))
        .hasMessageContaining("requestTimeout");
    assertThatThrownBy(
            () ->
                new KafkaCommandConfig(
                    d.bootstrapServers(),
                    d.commandTopic(),
                    d.replyTopic(),
                    d.groupId(),
                    d.clientId(),
                    d.nodeId(),
                    d.requestTimeout(),
                    d.maxPollRecords(),
                    "none",
                    d.retryBackoff()))
        .hasMessageContaining("autoOffsetReset")
        .hasMessageContaining("none");
    assertThatThrownBy(
            () ->
                new KafkaCommandConfig(
                    d.bootstrapServers(),
                    d.commandTopic(),
                    d.replyTopic(),
                    "",
                    d.clientId(),
                    d.nodeId(),
                    d.requestTimeout(),
                    d.maxPollRecords(),
                    d.autoOffsetReset(),
                    d.retryBackoff()))
        .hasMessageContaining("groupId");
  }
}
