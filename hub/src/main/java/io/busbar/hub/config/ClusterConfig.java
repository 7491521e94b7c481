package io.busbar.hub.config;

import io.busbar.security.tls.TlsConfig;
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
 * @param eventBusTls mutual TLS between the nodes' event buses ({@code cluster.tls*}), or {@code
 *     null} for plain TCP
 */
public record ClusterConfig(
    boolean enabled,
    String name,
    String host,
    int port,
    List<String> members,
    int backupCount,
    Path hazelcastConfig,
    TlsConfig eventBusTls) {

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
        xml.isEmpty() ? null : Path.of(xml),
        eventBusTls(values));
  }

  /** {@code cluster.tls*}: certificate, key and the CA that signs every node, all required. */
  private static TlsConfig eventBusTls(ConfigValues values) {
    if (!values.bool("cluster.tls")) {
      return null;
    }
    String cert = values.string("cluster.tls-cert").trim();
    String key = values.string("cluster.tls-key").trim();
    String trust = values.string("cluster.tls-trust").trim();
    if (cert.isEmpty() || key.isEmpty() || trust.isEmpty()) {
      throw new IllegalArgumentException(
          "cluster.tls needs cluster.tls-cert, cluster.tls-key and cluster.tls-trust (PEM files:"
              + " this node's certificate and key, and the CA that signs every node's)");
    }
    return TlsConfig.server(cert, key)
        .withClientAuth(TlsConfig.ClientAuthMode.REQUIRED, trust)
        .withEngine(
            TlsConfig.Engine.parse("cluster.tls-engine", values.string("cluster.tls-engine")));
  }
}
