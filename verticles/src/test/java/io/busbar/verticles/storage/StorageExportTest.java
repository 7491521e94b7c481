package io.busbar.verticles.storage;

import io.busbar.codecs.bus.BusCodecs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Parquet export over the bus, read back with DuckDB's own read_parquet. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StorageExportTest {

  /**
   * Verifies that one device's half-open window is written as Parquet with typed columns, and that
   * bad requests are answered 400 naming the field.
   */
  @Test
  void exportsWindowToParquet(Vertx vertx, @TempDir Path dir) throws Exception {
    BusCodecs.register(vertx.eventBus());
    vertx
        .deployVerticle(
            new StorageVerticle(
                new StorageConfig(null, 1_000, 100, Duration.ofMillis(20)),
                new SimpleMeterRegistry()))
        .await(20, TimeUnit.SECONDS);
    StorageTestSupport.assertExportsWindowToParquet(vertx, dir);
  }
}
