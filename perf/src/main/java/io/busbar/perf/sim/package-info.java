/**
 * The simulated factory used by {@code busbar demo} and {@code busbar simulate}: machine models
 * (plain Java) and real MQTT device connections, run on one Vert.x event loop.
 */
package io.busbar.perf.sim;
