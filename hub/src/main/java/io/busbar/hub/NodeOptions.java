package io.busbar.hub;

import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigValues;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The flags shared by the commands that read node configuration; each overrides one key. */
final class NodeOptions {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML file overriding conf/busbar.yaml defaults")
  Path configFile;

  @Option(
      names = "--mqtt-port",
      paramLabel = "PORT",
      description = "MQTT port (mqtt.port, BUSBAR_MQTT_PORT)")
  String mqttPort;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description = "HTTP port (http.port, BUSBAR_HTTP_PORT)")
  String httpPort;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "data directory (node.data-dir, BUSBAR_DATA_DIR)")
  String dataDir;

  @Option(
      names = "--node-id",
      paramLabel = "ID",
      description = "node name (node.id, BUSBAR_NODE_ID)")
  String nodeId;

  @Option(
      names = "--allow-anonymous",
      description = "let clients without a token in as tenant 'public'")
  boolean allowAnonymous;

  @Option(
      names = "--cluster",
      description = "join the Hazelcast cluster of conf/busbar.yaml (cluster.*)")
  boolean cluster;

  /** Defaults, then --config, then BUSBAR_* variables, then flags. */
  BusbarConfig resolve(Map<String, String> env) {
    ConfigValues values = ConfigValues.defaults();
    if (configFile != null) {
      values = values.withFile(configFile);
    }
    // BUSBAR_DATA_DIR is the documented short name of node.data-dir
    Map<String, String> environment = new LinkedHashMap<>(env);
    if (env.containsKey("BUSBAR_DATA_DIR") && !env.containsKey("BUSBAR_NODE_DATA_DIR")) {
      environment.put("BUSBAR_NODE_DATA_DIR", env.get("BUSBAR_DATA_DIR"));
    }
    values = values.withEnvironment(environment);
    Map<String, String> flags = new LinkedHashMap<>();
    put(flags, "mqtt.port", mqttPort);
    put(flags, "http.port", httpPort);
    put(flags, "node.data-dir", dataDir);
    put(flags, "node.id", nodeId);
    if (cluster) {
      flags.put("cluster.enabled", "true");
    }
    if (allowAnonymous) {
      flags.put("mqtt.allow-anonymous", "true");
    }
    return BusbarConfig.from(values.with(flags, "command line"));
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) {
      flags.put(key, value);
    }
  }
}
