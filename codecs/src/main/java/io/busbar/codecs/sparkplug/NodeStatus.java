package io.busbar.codecs.sparkplug;

/**
 * Whether a Sparkplug edge node or device is online, since when, and why it changed (Sparkplug 3.0
 * §5.5–5.8: a node is online from its NBIRTH until its NDEATH, a device from DBIRTH until DDEATH or
 * its node's death).
 *
 * @param id {@code {group}:{edge}} or {@code {group}:{edge}:{device}}
 * @param online whether it is online
 * @param since when that became so, milliseconds since the epoch (time of receipt)
 * @param reason what made it so, e.g. {@code NBIRTH bdSeq=3}
 */
public record NodeStatus(String id, boolean online, long since, String reason) {}
