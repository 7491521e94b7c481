package io.busbar.verticles.storage;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the {@link StorageVerticle}.
 *
 * @param dataDir the directory holding {@code busbar.duckdb}, created if missing; {@code null} keeps
 *     the database in memory (tests, throw-away demos)
 * @param queueCapacity how many events and dead letters may wait in memory for the writer before new
 *     ones are dropped (and counted in {@code busbar.storage.dropped})
 * @param batchSize the most rows written in one DuckDB transaction; a full batch is written at once
 * @param flushInterval how long a partial batch may wait before it is written
 */
public record StorageConfig(Path dataDir, int queueCapacity, int batchSize, Duration flushInterval) {

  public static final int DEFAULT_QUEUE_CAPACITY = 100_000;
  public static final int DEFAULT_BATCH_SIZE = 5_000;
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(200);

  /** The file name of the database inside {@link #dataDir()}. */
  public static final String DATABASE_FILE = "busbar.duckdb";

  public StorageConfig {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    if (flushInterval == null) {
      throw new IllegalArgumentException("flushInterval must be set");
    }
    if (flushInterval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "flushInterval must be at least 1 ms, got " + flushInterval);
    }
  }

  /** The defaults, with the database file under {@code dataDir} ({@code null}: in memory). */
  public static StorageConfig defaults(Path dataDir) {
    return new StorageConfig(
        dataDir, DEFAULT_QUEUE_CAPACITY, DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL);
  }

  /** An in-memory database with the default queue and batch settings. */
  public static StorageConfig inMemory() {
    return defaults(null);
  }

  /** The database file, or {@code null} for an in-memory database. */
  public Path databaseFile() {
    return dataDir == null ? null : dataDir.resolve(DATABASE_FILE);
  }

  /** The DuckDB JDBC URL: {@code jdbc:duckdb:} (memory) or {@code jdbc:duckdb:/dir/busbar.duckdb}. */
  public String jdbcUrl() {
    return dataDir == null ? "jdbc:duckdb:" : "jdbc:duckdb:" + databaseFile().toAbsolutePath();
  }
}
