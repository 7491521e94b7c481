/**
 * The storage benchmark: JSON telemetry published through a node's MQTT listener into its embedded
 * store ({@link io.busbar.perf.store.IngestBench}), a store file filled directly with DuckDB before
 * a node opens it ({@link io.busbar.perf.store.PointsLoader}) and REST query latency over it
 * ({@link io.busbar.perf.store.QueryBench}). The node is driven from outside, by MQTT, HTTP and
 * {@code /metrics} only.
 *
 * <p>Threads: payloads are written on the load generator's event loop ({@link
 * io.busbar.perf.store.TelemetryJson}); everything else runs on the calling (main) thread and
 * blocks.
 */
package io.busbar.perf.store;
