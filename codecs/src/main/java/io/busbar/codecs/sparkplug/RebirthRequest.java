package io.busbar.codecs.sparkplug;

/**
 * The host's decision that an edge node must send its births again (Sparkplug 3.0 §6.4.12, Node
 * Control/Rebirth): after a sequence gap, an unknown alias, data before its birth, or a broken
 * birth. Turn it into an NCMD with {@link SparkplugCommands#rebirth(String, String, long)}.
 *
 * @param group the group id
 * @param edge the edge node id
 * @param reason why, for the log and the audit trail
 */
public record RebirthRequest(String group, String edge, String reason) {

  /** The Busbar id of the edge node: {@code {group}:{edge}}. */
  public String edgeNodeId() {
    return group + ":" + edge;
  }
}
