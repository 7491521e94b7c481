/**
 * A lean MQTT load generator on plain Netty: every connection of a run shares one event-loop
 * thread, publishes are pipelined (QoS 0 paced by TCP back-pressure, QoS 1 by a bounded in-flight
 * window per connection) and subscribers check each delivery by sequence number.
 *
 * <p>Threads: all {@link io.busbar.perf.load.MqttLink}, {@link io.busbar.perf.load.Publisher} and
 * {@link io.busbar.perf.load.Receiver} code runs on the single event loop of its {@link
 * io.busbar.perf.load.LoadGenerator}, so their counters need no locks; read them from another
 * thread only through {@link io.busbar.perf.load.LoadGenerator#onLoop}. {@link
 * io.busbar.perf.load.Probe} and {@link io.busbar.perf.load.SequenceTracker} are plain,
 * single-threaded Java.
 */
package io.busbar.perf.load;
