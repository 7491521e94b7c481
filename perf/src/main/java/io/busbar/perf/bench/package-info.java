/**
 * Benchmark scenarios run with the {@link io.busbar.perf.load} generator against one or more
 * brokers, one after the other, and their Markdown report with ratios between brokers.
 *
 * <p>Threads: a {@link io.busbar.perf.bench.ScenarioRunner} runs on the caller's (main) thread and
 * only waits; the load itself runs on each generator's single event loop.
 */
package io.busbar.perf.bench;
