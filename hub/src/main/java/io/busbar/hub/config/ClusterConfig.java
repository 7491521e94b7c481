package io.busbar.hub.config;

import java.nio.file.Path;
import java.util.List;

/**
 * How a node joins a cluster.
 *
 * @param enabled whether the node joins a cluster at all
 * @param name the cluster name; nodes with another name are ignored
 * @param host the interface for Hazelcast and event-bus traffic
 * @param port the first Hazelcast port tried (auto-increment up to +20)
 * @param members TCP-IP members to contact (host:port or host:port-port); empty for multicast
 * @param backupCount copies of each replicated entry on other nodes
 * @param hazelcastConfig a Hazelcast XML file replacing the settings above, or {@code null}
 */
public record ClusterConfig(
    boolean enabled,
    String name,
    String host,
    int port,
    List<String> members,
    int backupCount,
    Path hazelcastConfig) {

  public ClusterConfig {
    members = List.copyOf(members);
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
  }

  static ClusterConfig from(ConfigValues values) {
    String members = values.string("cluster.members").trim();
    String xml = values.string("cluster.hazelcast-config").trim();
    return new ClusterConfig(
        values.bool("cluster.enabled"),
        values.string("cluster.name").trim(),
        values.string("cluster.host").trim(),
        values.integer("cluster.port", 1, 65_535),
        members.isEmpty() ? List.of() : List.of(members.split("\\s*,\\s*")),
        values.integer("cluster.backup-count", 0, 6),
        xml.isEmpty() ? null : Path.of(xml));
  }
}
