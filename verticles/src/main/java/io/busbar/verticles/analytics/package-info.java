/**
 * Analytics: the live state of the plant (latest value of every metric, the device registry) built
 * from the event stream, answered from memory.
 *
 * <p>Threads: {@link io.busbar.verticles.analytics.AnalyticsVerticle} does everything on its own
 * event loop; {@link io.busbar.verticles.analytics.LiveState} is plain, single-threaded Java owned
 * by that event loop and unit-tested without Vert.x. Nothing here blocks.
 */
package io.busbar.verticles.analytics;
