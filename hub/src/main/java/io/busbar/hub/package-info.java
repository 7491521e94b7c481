/**
 * The hub: the {@code busbar} command line, configuration, and the one place that wires the
 * verticles of a node together. Runs on the main thread until the node is started; the node's work
 * then runs on Vert.x event loops and workers.
 */
package io.busbar.hub;
