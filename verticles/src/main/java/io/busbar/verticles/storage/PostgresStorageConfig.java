package io.busbar.verticles.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

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
 */
public record PostgresStorageConfig(
    String url,
    int poolSize,
    int queueCapacity,
    int batchSize,
    Duration flushInterval,
    boolean ackOnCommit) {

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
        url, poolSize, queueCapacity, batchSize, flushInterval, onCommit);
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
        + "]";
  }
}
