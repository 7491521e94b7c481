/**
 * Storage: every event and dead letter published on the event bus goes into an embedded DuckDB
 * database ({@code dataDir/busbar.duckdb}, or in memory), and history queries are answered from it.
 *
 * <p>Threads: {@link io.busbar.verticles.storage.StorageVerticle} receives events and query
 * requests on its event loop, where it only validates, enqueues and replies. One writer thread (a
 * worker executor of size 1) drains the bounded queue in batches with the DuckDB appender; one
 * query thread (another worker executor of size 1, on a duplicate connection) runs the SELECTs and
 * Parquet exports. The rollup and retention job ({@code Rollups}) runs on the writer thread between
 * batches. {@code TelemetryStore} methods say which of the two threads may call them; nothing in
 * this package blocks an event loop.
 *
 * <p>For a cluster, {@link io.busbar.verticles.storage.PostgresStorageVerticle} keeps the same
 * event-bus contract in one shared PostgreSQL database (TimescaleDB when installed). It runs
 * entirely on its event loop: vertx-pg-client is non-blocking and calls back on the verticle's
 * context; only a Parquet export's in-memory DuckDB runs on a worker thread of its own ({@code
 * PostgresParquetExport}). Its rollups and retention ({@code PostgresRollups}) use the same tables
 * and plans as the DuckDB store's, with advisory locks in place of the single writer thread.
 *
 * <p>Shared by both backends, plain Java: request parsing ({@code TelemetryQuery}, {@code
 * DeadLetterQuery}, {@code ExportRequest}), reply shapes ({@code StorageReplies}), retention
 * horizons ({@code RetentionPolicy}), rollup planning ({@code RollupPlan}) and which tables answer
 * a bucketed query ({@code BucketSources}).
 */
package io.busbar.verticles.storage;
