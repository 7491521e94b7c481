/**
 * Durable implementations of the broker's store interfaces. Each keeps its state in memory for the
 * event loop and appends every change to a journal on its own writer thread, which writes in
 * batches and forces them to disk before completing the futures of that batch on the broker's
 * context. Opening a store (replay and compaction) is blocking and runs on a worker.
 */
package io.busbar.verticles.mqtt.store;
