package io.busbar.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.verticles.kafka.KafkaSinkConfig;
import io.busbar.verticles.kafka.SpoolFsync;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code kafka.spool-dir}, {@code kafka.spool-fsync}: where and how the sink's spool is kept. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KafkaSpoolConfigTest {

  /** Verifies that by default the spool is on disk under the data directory, forced every 1 s. */
  @Test
  void defaultIsOnDiskUnderDataDir() {
    BusbarConfig config = from(Map.of("node.data-dir", "/var/lib/busbar"));
    KafkaSinkConfig sink = config.kafka().sink();
    assertThat(sink.spoolDir()).isEqualTo(Path.of("/var/lib/busbar", "kafka-spool"));
    assertThat(sink.spoolFsync()).isEqualTo(SpoolFsync.INTERVAL);
    assertThat(sink.spoolFsyncInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  /** Verifies that a directory and policy can be set, and {@code memory} keeps it off disk. */
  @Test
  void directoryPolicyAndMemory() {
    KafkaSinkConfig sink =
        from(Map.of(
                "kafka.spool-dir", "/spool",
                "kafka.spool-fsync", "always",
                "kafka.spool-fsync-interval", "200ms"))
            .kafka()
            .sink();
    assertThat(sink.spoolDir()).isEqualTo(Path.of("/spool"));
    assertThat(sink.spoolFsync()).isEqualTo(SpoolFsync.ALWAYS);
    assertThat(sink.spoolFsyncInterval()).isEqualTo(Duration.ofMillis(200));
    assertThat(from(Map.of("kafka.spool-dir", "memory")).kafka().sink().spoolDir()).isNull();
  }

  /** Verifies that a bad fsync policy names its key and the allowed values. */
  @Test
  void badPolicyNamesItsKey() {
    assertThatThrownBy(() -> from(Map.of("kafka.spool-fsync", "sometimes")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.spool-fsync")
        .hasMessageContaining("sometimes");
  }

  private static BusbarConfig from(Map<String, String> overrides) {
    return BusbarConfig.from(ConfigValues.defaults().with(overrides, "test"));
  }
}
