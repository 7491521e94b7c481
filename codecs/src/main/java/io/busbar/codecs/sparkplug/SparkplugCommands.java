package io.busbar.codecs.sparkplug;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;

/**
 * Encodes what the host application publishes (Sparkplug 3.0 §6.4.12–6.4.13, §7.5): NCMD and DCMD
 * payloads (a rebirth request, writes to metrics by name or alias) and its own STATE (§4.1.3). Pure
 * functions returning the topic and bytes; the broker publishes them:
 *
 * <ul>
 *   <li>NCMD/DCMD at QoS 0, not retained (§7.5);
 *   <li>STATE {@code online=true} retained at QoS 1 when the host starts, with {@code online=false}
 *       and the same timestamp registered as the will (§7.3: here the broker is the host, so it
 *       publishes the death itself before it shuts down, and on start if the previous run left
 *       {@code online=true}).
 * </ul>
 */
public final class SparkplugCommands {

  /** The metric an NCMD sets to true to ask an edge node for its births (§6.4.12). */
  public static final String NODE_REBIRTH = "Node Control/Rebirth";

  private SparkplugCommands() {}

  /** An MQTT message the host publishes. */
  public record Command(String topic, byte[] payload, int qos, boolean retain) {}

  /**
   * One metric write.
   *
   * @param name the metric name, or {@code null} when written by alias
   * @param alias the alias (from the birth), or a negative number when written by name
   * @param datatype the datatype declared in the birth (see {@link SparkplugHostState#datatype})
   * @param value a Boolean, Number or String fitting the datatype
   */
  public record Write(String name, long alias, DataType datatype, Object value) {

    public static Write byName(String name, DataType datatype, Object value) {
      return new Write(name, -1, datatype, value);
    }

    public static Write byAlias(long alias, DataType datatype, Object value) {
      return new Write(null, alias, datatype, value);
    }
  }

  /** The NCMD that asks an edge node to send NBIRTH and all its DBIRTHs again. */
  public static Command rebirth(String group, String edge, long now) {
    return ncmd(group, edge, List.of(Write.byName(NODE_REBIRTH, DataType.Boolean, true)), now);
  }

  /** The NCMD for a rebirth request the host state decided on. */
  public static Command rebirth(RebirthRequest request, long now) {
    return rebirth(request.group(), request.edge(), now);
  }

  /** An NCMD writing metrics of an edge node. */
  public static Command ncmd(String group, String edge, List<Write> writes, long now) {
    return command(SparkplugTopic.ncmd(group, edge), writes, now);
  }

  /** A DCMD writing metrics of a device. */
  public static Command dcmd(
      String group, String edge, String device, List<Write> writes, long now) {
    return command(SparkplugTopic.dcmd(group, edge, device), writes, now);
  }

  private static Command command(SparkplugTopic topic, List<Write> writes, long now) {
    Payload.Builder payload = Payload.newBuilder().setTimestamp(now);
    for (Write w : writes) {
      payload.addMetrics(metric(w, now));
    }
    return new Command(topic.topic(), payload.build().toByteArray(), 0, false);
  }

  /**
   * The metric of one write.
   *
   * @throws IllegalArgumentException when the value does not fit the datatype
   */
  static Metric metric(Write w, long now) {
    Metric.Builder m = Metric.newBuilder().setTimestamp(now).setDatatype(w.datatype().getNumber());
    if (w.name() != null) {
      m.setName(w.name());
    } else if (w.alias() >= 0) {
      m.setAlias(w.alias());
    } else {
      throw new IllegalArgumentException("a write needs a name or an alias");
    }
    Object v = w.value();
    switch (w.datatype()) {
      case Int8, Int16, Int32, UInt8, UInt16 -> m.setIntValue(number(w).intValue());
      case UInt32, Int64, UInt64, DateTime -> m.setLongValue(number(w).longValue());
      case Float -> m.setFloatValue(number(w).floatValue());
      case Double -> m.setDoubleValue(number(w).doubleValue());
      case Boolean -> {
        if (!(v instanceof Boolean b)) {
          throw new IllegalArgumentException(label(w) + ": Boolean needs true or false, got " + v);
        }
        m.setBooleanValue(b);
      }
      case String, Text, UUID -> m.setStringValue(String.valueOf(v));
      case Bytes -> m.setBytesValue(ByteString.copyFrom(String.valueOf(v), StandardCharsets.UTF_8));
      default ->
          throw new IllegalArgumentException(
              label(w) + ": cannot write a " + w.datatype() + " value");
    }
    return m.build();
  }

  private static Number number(Write w) {
    if (w.value() instanceof Number n) {
      return n;
    }
    throw new IllegalArgumentException(
        label(w) + ": " + w.datatype() + " needs a number, got " + w.value());
  }

  private static String label(Write w) {
    return w.name() != null ? "metric '" + w.name() + "'" : "alias " + w.alias();
  }

  /**
   * The host application's STATE message (§4.1.3, §7.3): {@code {"online":…,"timestamp":…}},
   * retained, QoS 1. Use the same timestamp for the birth and its will.
   */
  public static Command hostState(String hostId, boolean online, long timestamp) {
    String json = "{\"online\":" + online + ",\"timestamp\":" + timestamp + "}";
    return new Command(
        SparkplugTopic.state(hostId).topic(), json.getBytes(StandardCharsets.UTF_8), 1, true);
  }
}
