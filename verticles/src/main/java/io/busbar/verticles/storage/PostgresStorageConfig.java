package io.busbar.verticles.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of the {@link PostgresStorageVerticle}, the shared store of a cluster.
 *
 * @param url the database, {@code postgresql://user:password@host:port/database} (query parameters
 *     as understood by vertx-pg-client, e.g. {@code ?sslmode=require}); the user needs CREATE on
 *     the database's {@code public} schema the first time, when the tables are created
 * @param poolSize the most connections this node opens; writes use one at a time, queries the rest
 * @param queueCapacity how many events and dead letters may wait in memory for the writer before
 *     new ones are dropped (and counted in {@code busbar.storage.dropped}) or, on {@code
 *     busbar.storage.ingest}, refused with 503
 * @param batchSize the most rows written in one transaction; a full batch is written at once
 * @param flushInterval how long a partial batch may wait before it is written
 * @param ackOnCommit on {@code busbar.storage.ingest}: {@code false} (default) replies once the
 *     batch is in the in-memory queue, {@code true} only once PostgreSQL has committed it
 * @param rawRetention how long raw readings and dead letters are kept; {@link Duration#ZERO} (the
 *     default) keeps them forever. Rollups are kept forever either way.
 * @param tenantRetention per-tenant overrides of {@code rawRetention} ({@link Duration#ZERO} =
 *     forever); empty by default
 * @param rollupInterval how often this node tries the maintenance job (hourly/daily rollups, then
 *     retention deletes); one node of the cluster runs it at a time. {@link Duration#ZERO} disables
 *     it on this node
 */
public record PostgresStorageConfig(
    String url,
    int poolSize,
    int queueCapacity,
    int batchSize,
    Duration flushInterval,
    boolean ackOnCommit,
    Duration rawRetention,
    Map<String, Duration> tenantRetention,
    Duration rollupInterval) {

  public static final int DEFAULT_POOL_SIZE = 4;

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException naming the setting and the bad value (never the password)
   */
  public PostgresStorageConfig {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException(
          "postgresql.url must be set, e.g. postgresql://busbar:secret@127.0.0.1:5432/busbar");
    }
    checkUrl(url);
    if (poolSize < 1) {
      throw new IllegalArgumentException(
          "postgresql.pool-size must be at least 1, got " + poolSize);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    if (flushInterval == null || flushInterval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "flushInterval must be at least 1 ms, got " + flushInterval);
    }
    rawRetention = rawRetention == null ? StorageConfig.DEFAULT_RAW_RETENTION : rawRetention;
    checkNotNegative("rawRetention", rawRetention);
    tenantRetention = tenantRetention == null ? Map.of() : Map.copyOf(tenantRetention);
    tenantRetention.forEach(
        (tenant, retention) -> checkNotNegative("tenantRetention." + tenant, retention));
    rollupInterval =
        rollupInterval == null ? StorageConfig.DEFAULT_ROLLUP_INTERVAL : rollupInterval;
    checkNotNegative("rollupInterval", rollupInterval);
    if (!rollupInterval.isZero() && rollupInterval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "rollupInterval must be 0 (off) or at least 1 ms, got " + rollupInterval);
    }
  }

  /** Without retention (keep forever) and with the default maintenance interval. */
  public PostgresStorageConfig(
      String url,
      int poolSize,
      int queueCapacity,
      int batchSize,
      Duration flushInterval,
      boolean ackOnCommit) {
    this(
        url,
        poolSize,
        queueCapacity,
        batchSize,
        flushInterval,
        ackOnCommit,
        StorageConfig.DEFAULT_RAW_RETENTION,
        Map.of(),
        StorageConfig.DEFAULT_ROLLUP_INTERVAL);
  }

  private static void checkNotNegative(String name, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be 0 or positive, got " + value);
    }
  }

  /** A copy with another raw retention and per-tenant overrides ({@code ZERO} = forever). */
  public PostgresStorageConfig withRetention(Duration raw, Map<String, Duration> perTenant) {
    return new PostgresStorageConfig(
        url,
        poolSize,
        queueCapacity,
        batchSize,
        flushInterval,
        ackOnCommit,
        raw,
        perTenant,
        rollupInterval);
  }

  /** A copy with another maintenance interval ({@code ZERO} = no scheduled job on this node). */
  public PostgresStorageConfig withRollupInterval(Duration interval) {
    return new PostgresStorageConfig(
        url,
        poolSize,
        queueCapacity,
        batchSize,
        flushInterval,
        ackOnCommit,
        rawRetention,
        tenantRetention,
        interval);
  }

  /** The retention settings as the stores' shared policy. */
  RetentionPolicy retention() {
    return RetentionPolicy.of(rawRetention, tenantRetention);
  }

  /** The URL with the default queue, batch and acknowledgement settings of the DuckDB store. */
  public static PostgresStorageConfig of(String url, int poolSize) {
    return new PostgresStorageConfig(
        url,
        poolSize,
        StorageConfig.DEFAULT_QUEUE_CAPACITY,
        StorageConfig.DEFAULT_BATCH_SIZE,
        StorageConfig.DEFAULT_FLUSH_INTERVAL,
        StorageConfig.DEFAULT_ACK_ON_COMMIT);
  }

  /** A copy whose ingest replies wait for the commit ({@code true}) or only for the queue. */
  public PostgresStorageConfig withAckOnCommit(boolean onCommit) {
    return new PostgresStorageConfig(
        url,
        poolSize,
        queueCapacity,
        batchSize,
        flushInterval,
        onCommit,
        rawRetention,
        tenantRetention,
        rollupInterval);
  }

  /** The URL without its password, for logs and error messages. */
  public String redactedUrl() {
    try {
      URI uri = new URI(url);
      String user = uri.getUserInfo();
      if (user != null && user.contains(":")) {
        user = user.substring(0, user.indexOf(':')) + ":***";
      }
      return new URI(uri.getScheme(), user, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
          .toString();
    } catch (URISyntaxException e) {
      return "(unparseable url)";
    }
  }

  private static void checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("postgresql.url is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme();
    if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
      throw new IllegalArgumentException(
          "postgresql.url must start with postgresql://, got scheme " + scheme);
    }
  }

  @Override
  public String toString() {
    // records print every component: keep the password out of logs
    return "PostgresStorageConfig[url="
        + redactedUrl()
        + ", poolSize="
        + poolSize
        + ", queueCapacity="
        + queueCapacity
        + ", batchSize="
        + batchSize
        + ", flushInterval="
        + flushInterval
        + ", ackOnCommit="
        + ackOnCommit
        + ", rawRetention="
        + rawRetention
        + ", tenantRetention="
        + tenantRetention
        + ", rollupInterval="
        + rollupInterval
        + "]";
  }
}
