package io.busbar.hub;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import io.busbar.hub.config.ClusterConfig;
import io.busbar.hub.config.ConfigException;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the Hazelcast configuration of a node from {@link ClusterConfig}. */
final class ClusterSetup {

  /** Hazelcast ports tried after the first one, so several nodes share one host. */
  static final int PORT_RANGE = 20;

  private static final Pattern PORT_RANGE_MEMBER = Pattern.compile("(.+):(\\d+)-(\\d+)");

  private ClusterSetup() {}

  static HazelcastClusterManager clusterManager(ClusterConfig cluster) {
    return new HazelcastClusterManager(hazelcastConfig(cluster));
  }

  static Config hazelcastConfig(ClusterConfig cluster) {
    if (cluster.hazelcastConfig() != null) {
      try {
        return new FileSystemXmlConfig(cluster.hazelcastConfig().toFile());
      } catch (FileNotFoundException | RuntimeException e) {
        throw new ConfigException(
            "cluster.hazelcast-config: cannot read '"
                + cluster.hazelcastConfig()
                + "': "
                + e.getMessage());
      }
    }
    // Vert.x's own maps (subscriptions, HA info) come from its default configuration
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty(
        "hazelcast.shutdownhook.enabled", "false"); // the node leaves on its own terms
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // a killed member is declared dead within seconds, so its wills and routes are handled soon
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "6");
    config
        .getNetworkConfig()
        .setPort(cluster.port())
        .setPortAutoIncrement(true)
        .setPortCount(PORT_RANGE);
    String address = resolve(cluster.host());
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(address);
    config.setProperty("hazelcast.local.localAddress", address);
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    if (cluster.members().isEmpty()) {
      join.getMulticastConfig().setEnabled(true);
      join.getTcpIpConfig().setEnabled(false);
    } else {
      join.getMulticastConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(expandPortRanges(cluster.members()));
    }
    for (MapConfig map : config.getMapConfigs().values()) {
      map.setBackupCount(cluster.backupCount());
    }
    for (MultiMapConfig map : config.getMultiMapConfigs().values()) {
      map.setBackupCount(cluster.backupCount());
    }
    return config;
  }

  /**
   * The member attribute in which the Vert.x cluster manager keeps a member's event-bus node id.
   */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  /**
   * The cluster as the MQTT broker sees it: event-bus node ids of the Hazelcast members, oldest
   * first (Hazelcast lists members in join order), and member removals (a graceful leave, or a
   * member declared dead after {@code hazelcast.max.no.heartbeat.seconds}).
   */
  static io.busbar.verticles.mqtt.cluster.ClusterView view(HazelcastClusterManager manager) {
    return new io.busbar.verticles.mqtt.cluster.ClusterView() {
      @Override
      public String nodeId() {
        return manager.getNodeId();
      }

      @Override
      public List<String> members() {
        List<String> ids = new ArrayList<>();
        for (com.hazelcast.cluster.Member m :
            manager.getHazelcastInstance().getCluster().getMembers()) {
          String id = m.getAttribute(VERTX_NODE_ID);
          if (id != null) {
            ids.add(id);
          }
        }
        return ids;
      }

      @Override
      public void onMemberLeft(java.util.function.Consumer<String> left) {
        manager
            .getHazelcastInstance()
            .getCluster()
            .addMembershipListener(
                new com.hazelcast.cluster.MembershipListener() {
                  @Override
                  public void memberAdded(com.hazelcast.cluster.MembershipEvent event) {}

                  @Override
                  public void memberRemoved(com.hazelcast.cluster.MembershipEvent event) {
                    String id = event.getMember().getAttribute(VERTX_NODE_ID);
                    if (id != null) {
                      left.accept(id);
                    }
                  }
                });
      }
    };
  }

  /** Hazelcast binds an IP address; a host name (a container's service name) is resolved once. */
  static String resolve(String host) {
    try {
      return java.net.InetAddress.getByName(host).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new ConfigException("cluster.host: cannot resolve '" + host + "'");
    }
  }

  /** Hazelcast takes one port per member address: {@code h:5701-5703} becomes three members. */
  static List<String> expandPortRanges(List<String> members) {
    List<String> expanded = new ArrayList<>();
    for (String member : members) {
      Matcher m = PORT_RANGE_MEMBER.matcher(member);
      if (!m.matches()) {
        expanded.add(member);
        continue;
      }
      int from = Integer.parseInt(m.group(2));
      int to = Integer.parseInt(m.group(3));
      if (to < from || to - from > 100) {
        throw new ConfigException("cluster.members: bad port range in '" + member + "'");
      }
      for (int port = from; port <= to; port++) {
        expanded.add(m.group(1) + ":" + port);
      }
    }
    return expanded;
  }
}
