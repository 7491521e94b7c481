package io.busbar.verticles.storage;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of the {@link StorageVerticle}.
 *
 * @param dataDir the directory holding {@code busbar.duckdb}, created if missing; {@code null}
 *     keeps the database in memory (tests, throw-away demos)
 * @param queueCapacity how many events and dead letters may wait in memory for the writer before
 *     new ones are dropped (and counted in {@code busbar.storage.dropped}) or, on {@code
 *     busbar.storage.ingest}, refused with 503
 * @param batchSize rows that make a batch: once that many wait, a batch is written at once; a
 *     DuckDB transaction then takes every row waiting, up to {@value
 *     StorageVerticle#MAX_BATCH_FACTOR} × {@code batchSize}
 * @param flushInterval how long a partial batch may wait before it is written
 * @param rawRetention how long raw readings and dead letters are kept; {@link Duration#ZERO} (the
 *     default) keeps them forever. Rollups are kept forever either way.
 * @param tenantRetention per-tenant overrides of {@code rawRetention} (tenant id → retention,
 *     {@link Duration#ZERO} = forever); empty by default
 * @param rollupInterval how often the maintenance job runs (hourly/daily rollups, then retention
 *     deletes) on the writer thread; {@link Duration#ZERO} disables it
 * @param ackOnCommit on {@code busbar.storage.ingest}: {@code false} (default) replies once the
 *     batch is in the in-memory queue, {@code true} only once it is committed to the database
 */
public record StorageConfig(
    Path dataDir,
    int queueCapacity,
    int batchSize,
    Duration flushInterval,
    Duration rawRetention,
    Map<String, Duration> tenantRetention,
    Duration rollupInterval,
    boolean ackOnCommit) {

  public static final int DEFAULT_QUEUE_CAPACITY = 100_000;
  public static final int DEFAULT_BATCH_SIZE = 5_000;
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(200);

  /** Keep raw data forever. */
  public static final Duration DEFAULT_RAW_RETENTION = Duration.ZERO;

  public static final Duration DEFAULT_ROLLUP_INTERVAL = Duration.ofMinutes(10);
  public static final boolean DEFAULT_ACK_ON_COMMIT = false;

  /** The file name of the database inside {@link #dataDir()}. */
  public static final String DATABASE_FILE = "busbar.duckdb";

  /**
   * Validates the settings; {@code null} retention, overrides or interval mean their defaults.
   *
   * @throws IllegalArgumentException naming the setting and the bad value
   */
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
    rawRetention = rawRetention == null ? DEFAULT_RAW_RETENTION : rawRetention;
    checkNotNegative("rawRetention", rawRetention);
    tenantRetention = tenantRetention == null ? Map.of() : Map.copyOf(tenantRetention);
    tenantRetention.forEach(
        (tenant, retention) -> checkNotNegative("tenantRetention." + tenant, retention));
    rollupInterval = rollupInterval == null ? DEFAULT_ROLLUP_INTERVAL : rollupInterval;
    checkNotNegative("rollupInterval", rollupInterval);
    if (!rollupInterval.isZero() && rollupInterval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "rollupInterval must be 0 (off) or at least 1 ms, got " + rollupInterval);
    }
  }

  /** The original settings; retention, rollups and acknowledgement take their defaults. */
  public StorageConfig(Path dataDir, int queueCapacity, int batchSize, Duration flushInterval) {
    this(
        dataDir,
        queueCapacity,
        batchSize,
        flushInterval,
        DEFAULT_RAW_RETENTION,
        Map.of(),
        DEFAULT_ROLLUP_INTERVAL,
        DEFAULT_ACK_ON_COMMIT);
  }

  private static void checkNotNegative(String name, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be 0 or positive, got " + value);
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

  /** A copy with another raw retention and per-tenant overrides ({@code ZERO} = forever). */
  public StorageConfig withRetention(Duration raw, Map<String, Duration> perTenant) {
    return new StorageConfig(
        dataDir,
        queueCapacity,
        batchSize,
        flushInterval,
        raw,
        perTenant,
        rollupInterval,
        ackOnCommit);
  }

  /** A copy with another maintenance interval ({@code ZERO} = no scheduled job). */
  public StorageConfig withRollupInterval(Duration interval) {
    return new StorageConfig(
        dataDir,
        queueCapacity,
        batchSize,
        flushInterval,
        rawRetention,
        tenantRetention,
        interval,
        ackOnCommit);
  }

  /** A copy whose ingest replies wait for the commit ({@code true}) or only for the queue. */
  public StorageConfig withAckOnCommit(boolean onCommit) {
    return new StorageConfig(
        dataDir,
        queueCapacity,
        batchSize,
        flushInterval,
        rawRetention,
        tenantRetention,
        rollupInterval,
        onCommit);
  }

  /** The raw retention of {@code tenant}: its override, else {@link #rawRetention()}. */
  public Duration retentionOf(String tenant) {
    return tenantRetention.getOrDefault(tenant, rawRetention);
  }

  /** The database file, or {@code null} for an in-memory database. */
  public Path databaseFile() {
    return dataDir == null ? null : dataDir.resolve(DATABASE_FILE);
  }

  /**
   * The DuckDB JDBC URL: {@code jdbc:duckdb:} (memory) or {@code jdbc:duckdb:/dir/busbar.duckdb}.
   */
  public String jdbcUrl() {
    return dataDir == null ? "jdbc:duckdb:" : "jdbc:duckdb:" + databaseFile().toAbsolutePath();
  }
}
