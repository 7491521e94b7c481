package io.busbar.codecs.bus;

import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.vertx.core.buffer.Buffer;

/** The compact binary form of one {@link Event}, used inside the batch codec. */
final class EventWire {

  private static final byte NUMERIC = 1;
  private static final byte TEXT = 2;
  private static final byte BOOL = 3;
  private static final Quality[] QUALITIES = Quality.values();

  private EventWire() {}

  static void write(Buffer buffer, Event e) {
    WireFormat.writeString(buffer, e.tenant());
    WireFormat.writeString(buffer, e.deviceId());
    WireFormat.writeString(buffer, e.metric());
    buffer.appendLong(e.timestamp());
    if (e.value() instanceof Value.Numeric n) {
      buffer.appendByte(NUMERIC).appendDouble(n.value());
    } else if (e.value() instanceof Value.Text t) {
      buffer.appendByte(TEXT);
      WireFormat.writeString(buffer, t.value());
    } else if (e.value() instanceof Value.Bool b) {
      buffer.appendByte(BOOL).appendByte(b.value() ? (byte) 1 : 0);
    }
    buffer.appendByte((byte) e.quality().ordinal());
    WireFormat.writeString(buffer, e.unit());
    WireFormat.writeString(buffer, e.sourceTopic());
  }

  static Event read(WireFormat.Reader in) {
    String tenant = in.readString();
    String device = in.readString();
    String metric = in.readString();
    long ts = in.readLong();
    byte kind = in.readByte();
    Value value =
        switch (kind) {
          case NUMERIC -> Value.of(in.readDouble());
          case TEXT -> Value.of(in.readString());
          case BOOL -> Value.of(in.readByte() != 0);
          default -> throw new IllegalStateException("unknown value kind " + kind + " on the wire");
        };
    Quality quality = QUALITIES[in.readByte()];
    String unit = in.readString();
    String topic = in.readString();
    return new Event(tenant, device, metric, ts, value, quality, unit, topic);
  }
}
