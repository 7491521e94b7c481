/**
 * Performance tooling of Busbar: {@link io.busbar.perf.Bench}, the command-line scenario runner;
 * the load generator lives in {@code load}, the scenarios in {@code bench}, the simulated factory
 * in {@code sim}. {@code Bench} runs on the main thread and only waits on the generators.
 */
package io.busbar.perf;
