package io.busbar.codecs.bus;

import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * Event-bus codec for {@link EventBatch}: the same instance locally (records are immutable), a
 * compact binary form across the cluster: {@code int length, int count, count × event}.
 */
public final class EventBatchMessageCodec implements MessageCodec<EventBatch, EventBatch> {

  public static final String NAME = "busbar-event-batch";

  @Override
  public void encodeToWire(Buffer buffer, EventBatch batch) {
    int lengthAt = buffer.length();
    buffer.appendInt(0).appendInt(batch.size());
    for (Event e : batch.events()) {
      EventWire.write(buffer, e);
    }
    buffer.setInt(lengthAt, buffer.length() - lengthAt - 4);
  }

  @Override
  public EventBatch decodeFromWire(int pos, Buffer buffer) {
    WireFormat.Reader in = new WireFormat.Reader(buffer, pos + 4);
    int count = in.readInt();
    List<Event> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      events.add(EventWire.read(in));
    }
    return new EventBatch(events);
  }

  @Override
  public EventBatch transform(EventBatch batch) {
    return batch;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
