package io.busbar.verticles.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class StorageConfigTest {

  /** Verifies that the defaults are valid and the database file sits in the data directory. */
  @Test
  void defaultsPointAtTheDataDirectory() {
    StorageConfig config = StorageConfig.defaults(Path.of("/var/lib/busbar"));

    assertThat(config.queueCapacity()).isEqualTo(StorageConfig.DEFAULT_QUEUE_CAPACITY);
    assertThat(config.batchSize()).isEqualTo(StorageConfig.DEFAULT_BATCH_SIZE);
    assertThat(config.flushInterval()).isEqualTo(StorageConfig.DEFAULT_FLUSH_INTERVAL);
    assertThat(config.databaseFile()).isEqualTo(Path.of("/var/lib/busbar/busbar.duckdb"));
    assertThat(config.jdbcUrl()).isEqualTo("jdbc:duckdb:/var/lib/busbar/busbar.duckdb");
    assertThat(StorageConfig.inMemory().jdbcUrl()).isEqualTo("jdbc:duckdb:");
    assertThat(StorageConfig.inMemory().databaseFile()).isNull();
  }

  /** Verifies that each bad setting is rejected with a message naming it and its value. */
  @Test
  void rejectsBadSettingsNamingTheField() {
    Duration interval = Duration.ofMillis(200);
    assertThatThrownBy(() -> new StorageConfig(null, 0, 10, interval))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queueCapacity")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> new StorageConfig(null, 10, -1, interval))
        .hasMessageContaining("batchSize")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> new StorageConfig(null, 10, 10, null))
        .hasMessageContaining("flushInterval");
    assertThatThrownBy(() -> new StorageConfig(null, 10, 10, Duration.ZERO))
        .hasMessageContaining("flushInterval");
  }
}
