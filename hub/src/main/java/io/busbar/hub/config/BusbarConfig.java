package io.busbar.hub.config;

import io.busbar.codecs.frame.FrameConfigException;
import io.busbar.codecs.frame.FrameLayout;
import io.busbar.codecs.frame.FrameLayouts;
import io.busbar.perf.sim.PlantLayout;
import io.busbar.verticles.http.HttpConfig;
import io.busbar.verticles.mqtt.MqttConfig;
import io.busbar.verticles.storage.StorageConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * The whole typed configuration of a node, built from {@link ConfigValues} and validated: a bad
 * value stops start-up with a {@link ConfigException} that names its key.
 *
 * @param nodeId this node's name
 * @param dataDir where the database and broker state live
 * @param devKeyDir where the development signing key lives (the data directory by default)
 * @param mqtt the MQTT listener
 * @param http the HTTP listener
 * @param storage the embedded store
 * @param cluster how the node joins a cluster
 * @param frameLayouts the binary frame layouts of {@code devices/{id}/frames/{layout}}, by name
 * @param demo the simulated factory of {@code busbar demo}
 */
public record BusbarConfig(
    String nodeId,
    Path dataDir,
    Path devKeyDir,
    MqttConfig mqtt,
    HttpConfig http,
    StorageConfig storage,
    ClusterConfig cluster,
    Map<String, FrameLayout> frameLayouts,
    DemoConfig demo) {

  /** The simulated plant: its layout and how often each machine publishes. */
  public record DemoConfig(PlantLayout layout, Duration interval) {}

  public static BusbarConfig from(ConfigValues values) {
    String configuredId = values.string("node.id").trim();
    String nodeId =
        configuredId.isEmpty()
            ? hostName() + "-" + UUID.randomUUID().toString().substring(0, 6)
            : configuredId;
    Path dataDir = values.path("node.data-dir");
    Path devKeyDir =
        values.string("security.dev-key-dir").isBlank() ? dataDir : values.path("security.dev-key-dir");
    MqttConfig mqtt =
        build(
            "mqtt",
            () ->
                new MqttConfig(
                    values.string("mqtt.host"),
                    values.port("mqtt.port"),
                    values.integer("mqtt.max-message-size", 16, 268_435_455),
                    values.bool("mqtt.allow-anonymous")));
    HttpConfig http =
        build("http", () -> new HttpConfig(values.string("http.host"), values.port("http.port"), nodeId));
    StorageConfig storage =
        build(
            "storage",
            () ->
                new StorageConfig(
                    dataDir,
                    values.integer("storage.queue-capacity", 1, 100_000_000),
                    values.integer("storage.batch-size", 1, 1_000_000),
                    values.duration("storage.flush-interval")));
    DemoConfig demo =
        build(
            "demo",
            () ->
                new DemoConfig(
                    new PlantLayout(
                        values.integer("demo.sites", 1, 100),
                        values.integer("demo.lines", 1, 100),
                        values.integer("demo.machines-per-line", 1, 1_000)),
                    values.duration("demo.interval")));
    ClusterConfig cluster = build("cluster", () -> ClusterConfig.from(values));
    Map<String, FrameLayout> frameLayouts;
    try {
      frameLayouts = FrameLayouts.fromConfig(values.tree("frames"));
    } catch (FrameConfigException e) {
      throw new ConfigException(e.getMessage());
    }
    return new BusbarConfig(nodeId, dataDir, devKeyDir, mqtt, http, storage, cluster, frameLayouts, demo);
  }

  /** Runs a record constructor, turning its validation message into one that names the section. */
  private static <T> T build(String section, java.util.function.Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(section + ": " + e.getMessage());
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "busbar";
    }
  }
}
