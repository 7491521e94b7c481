package io.busbar.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.verticles.storage.PostgresStorageConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code storage.backend} and {@code storage.postgresql.*}: the choice of store. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StorageBackendConfigTest {

  /** Verifies that the defaults choose the embedded DuckDB store. */
  @Test
  void defaultIsDuckDb() {
    BusbarConfig config = BusbarConfig.from(ConfigValues.defaults());
    assertThat(config.postgresStorage()).isNull();
    assertThat(config.storage()).isNotNull();
  }

  /**
   * Verifies that postgresql takes the URL and pool size, and the queue, batch, flush and ack
   * settings from the shared storage keys; and that the password never shows in its text.
   */
  @Test
  void postgresqlTakesUrlAndSharedSettings() {
    BusbarConfig config =
        BusbarConfig.from(
            ConfigValues.defaults()
                .with(
                    Map.of(
                        "storage.backend", "postgresql",
                        "storage.postgresql.url", "postgresql://busbar:s3cret@db:5432/busbar",
                        "storage.postgresql.pool-size", "8",
                        "storage.batch-size", "250",
                        "storage.flush-interval", "50ms",
                        "storage.ack-on-commit", "true",
                        "storage.raw-retention", "30d",
                        "storage.tenant-retention", "lab=7d",
                        "storage.rollup-interval", "5m"),
                    "test"));
    PostgresStorageConfig pg = config.postgresStorage();
    assertThat(pg.rawRetention()).isEqualTo(Duration.ofDays(30));
    assertThat(pg.tenantRetention()).containsEntry("lab", Duration.ofDays(7));
    assertThat(pg.rollupInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(pg.url()).isEqualTo("postgresql://busbar:s3cret@db:5432/busbar");
    assertThat(pg.poolSize()).isEqualTo(8);
    assertThat(pg.batchSize()).isEqualTo(250);
    assertThat(pg.flushInterval()).isEqualTo(Duration.ofMillis(50));
    assertThat(pg.ackOnCommit()).isTrue();
    assertThat(pg.queueCapacity()).isEqualTo(config.storage().queueCapacity());
    assertThat(pg.toString()).doesNotContain("s3cret").contains("busbar:***@db:5432/busbar");
  }

  /** Verifies that a bad backend, a missing URL or a URL of another scheme name their key. */
  @Test
  void badSettingsNameTheirKey() {
    assertThatThrownBy(() -> from(Map.of("storage.backend", "oracle")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("storage.backend")
        .hasMessageContaining("oracle");
    assertThatThrownBy(() -> from(Map.of("storage.backend", "postgresql")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("storage.postgresql.url");
    assertThatThrownBy(
            () ->
                from(
                    Map.of(
                        "storage.backend",
                        "postgresql",
                        "storage.postgresql.url",
                        "mysql://u:p@h/db")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("postgresql.url")
        .hasMessageNotContaining("u:p");
    assertThatThrownBy(
            () ->
                from(
                    Map.of(
                        "storage.backend", "postgresql",
                        "storage.postgresql.url", "postgresql://h/db",
                        "storage.postgresql.pool-size", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("storage.postgresql.pool-size");
  }

  private static BusbarConfig from(Map<String, String> overrides) {
    return BusbarConfig.from(ConfigValues.defaults().with(overrides, "test"));
  }
}
