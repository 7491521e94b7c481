package io.busbar.codecs.sparkplug;

import java.util.Objects;
import java.util.Optional;

/**
 * A Sparkplug B topic (Sparkplug 3.0 §4.1): {@code spBv1.0/{group}/{type}/{edge}[/{device}]}, or a
 * host application's {@code spBv1.0/STATE/{host_id}} (§4.1.3). Busbar names a Sparkplug edge node
 * {@code {group}:{edge}} and a device {@code {group}:{edge}:{device}}.
 *
 * @param type the message type
 * @param group the group id ({@code null} for STATE)
 * @param edge the edge node id ({@code null} for STATE)
 * @param device the device id, for device messages only
 * @param hostId the host application id, for STATE only
 */
public record SparkplugTopic(
    MessageType type, String group, String edge, String device, String hostId) {

  /** The Sparkplug B namespace element (§4.1.1.1). */
  public static final String NAMESPACE = "spBv1.0";

  /** The message types of §4.1.1.3 and the host STATE of §4.1.3. */
  public enum MessageType {
    NBIRTH(false),
    NDEATH(false),
    DBIRTH(true),
    DDEATH(true),
    NDATA(false),
    DDATA(true),
    NCMD(false),
    DCMD(true),
    STATE(false);

    private final boolean deviceLevel;

    MessageType(boolean deviceLevel) {
      this.deviceLevel = deviceLevel;
    }

    /** Whether the topic names a device (a fifth level). */
    public boolean isDeviceLevel() {
      return deviceLevel;
    }
  }

  public SparkplugTopic {
    Objects.requireNonNull(type, "type");
  }

  /** The NCMD topic of an edge node. */
  public static SparkplugTopic ncmd(String group, String edge) {
    return new SparkplugTopic(MessageType.NCMD, group, edge, null, null);
  }

  /** The DCMD topic of a device. */
  public static SparkplugTopic dcmd(String group, String edge, String device) {
    return new SparkplugTopic(MessageType.DCMD, group, edge, device, null);
  }

  /** The STATE topic of a host application (§4.1.3). */
  public static SparkplugTopic state(String hostId) {
    return new SparkplugTopic(MessageType.STATE, null, null, null, hostId);
  }

  /**
   * Parses a topic.
   *
   * @return the topic, or empty when it is not a well-formed Sparkplug B topic (see {@link
   *     #problem(String)} for why)
   */
  public static Optional<SparkplugTopic> parse(String topic) {
    Object parsed = parseOrProblem(topic);
    return parsed instanceof SparkplugTopic t ? Optional.of(t) : Optional.empty();
  }

  /** Why a topic is not a well-formed Sparkplug B topic, or {@code null} when it is. */
  public static String problem(String topic) {
    Object parsed = parseOrProblem(topic);
    return parsed instanceof String reason ? reason : null;
  }

  private static Object parseOrProblem(String topic) {
    String[] levels = topic.split("/", -1);
    if (!NAMESPACE.equals(levels[0])) {
      return "not a Sparkplug B topic: namespace must be " + NAMESPACE;
    }
    if (levels.length == 3 && "STATE".equals(levels[1])) {
      return validId(levels[2], "host_id") == null
          ? state(levels[2])
          : validId(levels[2], "host_id");
    }
    if (levels.length < 4) {
      return "Sparkplug topic needs spBv1.0/group/type/edge[/device] (§4.1), got "
          + levels.length
          + " levels";
    }
    MessageType type;
    try {
      type = MessageType.valueOf(levels[2]);
    } catch (IllegalArgumentException e) {
      return "unknown Sparkplug message type '" + levels[2] + "' (§4.1.1.3)";
    }
    if (type == MessageType.STATE) {
      return "STATE belongs at spBv1.0/STATE/{host_id} (§4.1.3)";
    }
    int expected = type.isDeviceLevel() ? 5 : 4;
    if (levels.length != expected) {
      return type + " topics have " + expected + " levels (§4.1), got " + levels.length;
    }
    String problem = validId(levels[1], "group_id");
    if (problem == null) {
      problem = validId(levels[3], "edge_node_id");
    }
    if (problem == null && type.isDeviceLevel()) {
      problem = validId(levels[4], "device_id");
    }
    if (problem != null) {
      return problem;
    }
    return new SparkplugTopic(
        type, levels[1], levels[3], type.isDeviceLevel() ? levels[4] : null, null);
  }

  /** §4.1.1.2, §4.1.1.4, §4.1.1.5: ids are non-empty and hold no MQTT wildcard or separator. */
  private static String validId(String id, String element) {
    if (id.isEmpty()) {
      return element + " is empty";
    }
    if (id.indexOf('+') >= 0 || id.indexOf('#') >= 0) {
      return element + " '" + id + "' contains an MQTT wildcard";
    }
    return null;
  }

  /** The Busbar id of the edge node: {@code {group}:{edge}}. */
  public String edgeNodeId() {
    return group + ":" + edge;
  }

  /** The Busbar id of the sender: {@code {group}:{edge}} or {@code {group}:{edge}:{device}}. */
  public String busbarId() {
    return device == null ? edgeNodeId() : edgeNodeId() + ":" + device;
  }

  /** The MQTT topic. */
  public String topic() {
    if (type == MessageType.STATE) {
      return NAMESPACE + "/STATE/" + hostId;
    }
    return NAMESPACE + "/" + group + "/" + type + "/" + edge + (device == null ? "" : "/" + device);
  }

  @Override
  public String toString() {
    return topic();
  }
}
