package io.busbar.verticles.storage;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The query contract against one real in-memory DuckDB. */
class StorageQueryTest extends StorageQueryContract {

  @Override
  protected String deployStore(Vertx vertx) throws Exception {
    return vertx
        .deployVerticle(
            new StorageVerticle(
                new StorageConfig(null, 10_000, 100, Duration.ofMillis(20)),
                new SimpleMeterRegistry()))
        .await(20, TimeUnit.SECONDS);
  }
}
