package io.busbar.verticles.http;

import io.busbar.codecs.model.Event;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The JSON form of readings on the {@code /ws} live stream. */
final class EventJson {

  private EventJson() {}

  /**
   * Returns {@code {"device","tenant","metric","ts","value","quality","unit"}}; {@code value} is a
   * number, string or boolean, {@code unit} is {@code null} when unknown.
   */
  static JsonObject of(Event e) {
    return new JsonObject()
        .put("device", e.deviceId())
        .put("tenant", e.tenant())
        .put("metric", e.metric())
        .put("ts", e.timestamp())
        .put("value", e.value().toJava())
        .put("quality", e.quality().name())
        .put("unit", e.unit());
  }

  /** Returns one live-stream frame: {@code {"type":"events","events":[…]}}. */
  static String frame(List<Event> events) {
    JsonArray array = new JsonArray();
    for (Event e : events) {
      array.add(of(e));
    }
    return new JsonObject().put("type", "events").put("events", array).encode();
  }

  /** Returns the first frame a client gets once it is subscribed: {@code {"type":"hello",…}}. */
  static String hello(String nodeId) {
    return new JsonObject().put("type", "hello").put("node", nodeId).encode();
  }
}
