package io.busbar.verticles.command;

import io.busbar.codecs.sparkplug.SparkplugCommands;
import io.busbar.codecs.sparkplug.SparkplugCommands.Command;
import io.busbar.codecs.sparkplug.SparkplugCommands.Write;
import io.busbar.codecs.sparkplug.SparkplugHostState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;

/**
 * Turns a command for a Sparkplug B edge node or device into the NCMD/DCMD the host application
 * publishes (Sparkplug 3.0 §6.4.16 NCMD, §6.4.17 DCMD). Applies when the device id has the form
 * {@code group:edge} or {@code group:edge:device} and the command is {@value #WRITE} (params {@code
 * {"metrics": {"Name/Path": value, …}}}, value a number, boolean or string) or {@value #REBIRTH}
 * (Node Control/Rebirth, §6.4.12; edge node ids only). Plain Java, no I/O.
 */
final class SparkplugWrite {

  /** The command name that writes metrics. */
  static final String WRITE = "write";

  /** The command name that asks an edge node for its births. */
  static final String REBIRTH = "rebirth";

  private SparkplugWrite() {}

  /** Whether the request is a Sparkplug command handled here rather than MQTT request/response. */
  static boolean applies(CommandRequest request) {
    return (WRITE.equals(request.name()) || REBIRTH.equals(request.name()))
        && request.device().indexOf(':') >= 0;
  }

  /**
   * The message to publish for the request.
   *
   * @param host the host's view of births, for the datatypes; {@code null} when not known, then the
   *     datatype follows the JSON value (boolean → Boolean, integer → Int64, other number → Double,
   *     string → String)
   * @throws CommandFailure with {@link CommandFailure#BAD_REQUEST} naming the bad field
   */
  static Command command(CommandRequest request, SparkplugHostState host, long now) {
    String[] id = request.device().split(":", -1);
    if (id.length < 2 || id.length > 3 || List.of(id).contains("")) {
      throw bad(
          "device must be group:edge or group:edge:device for a Sparkplug command, got '"
              + request.device()
              + "'");
    }
    String group = id[0];
    String edge = id[1];
    String device = id.length == 3 ? id[2] : null;
    if (REBIRTH.equals(request.name())) {
      if (device != null) {
        // §6.4.12: only an edge node has Node Control/Rebirth; it rebirths its devices too
        throw bad(
            "device: rebirth goes to an edge node (group:edge), got '" + request.device() + "'");
      }
      return SparkplugCommands.rebirth(group, edge, now);
    }
    Object metrics = request.params().getValue("metrics");
    if (!(metrics instanceof io.vertx.core.json.JsonObject m) || m.isEmpty()) {
      throw bad("params.metrics must be a non-empty object {\"Name/Path\": value}");
    }
    List<Write> writes = new ArrayList<>();
    for (Map.Entry<String, Object> e : m) {
      String name = e.getKey();
      Object value = e.getValue();
      if (name.isEmpty()) {
        throw bad("params.metrics: a metric name must not be empty");
      }
      if (!(value instanceof Number || value instanceof Boolean || value instanceof String)) {
        throw bad("params.metrics." + name + " must be a number, boolean or string, got " + value);
      }
      DataType datatype =
          Optional.ofNullable(host)
              .flatMap(h -> h.datatype(group, edge, device, name))
              .orElseGet(() -> inferred(value));
      writes.add(Write.byName(name, datatype, value));
    }
    try {
      return device == null
          ? SparkplugCommands.ncmd(group, edge, writes, now)
          : SparkplugCommands.dcmd(group, edge, device, writes, now);
    } catch (IllegalArgumentException e) {
      // the value does not fit the datatype the birth declared
      throw bad("params.metrics: " + e.getMessage());
    }
  }

  private static DataType inferred(Object value) {
    if (value instanceof Boolean) {
      return DataType.Boolean;
    }
    if (value instanceof String) {
      return DataType.String;
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return DataType.Int64;
    }
    return DataType.Double;
  }

  private static CommandFailure bad(String message) {
    return new CommandFailure(CommandFailure.BAD_REQUEST, message);
  }
}
