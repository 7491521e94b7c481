package io.busbar.codecs.bus;

import io.busbar.codecs.model.DeadLetter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Event-bus codec for {@link DeadLetter}: same instance locally, length-prefixed fields on the
 * wire.
 */
public final class DeadLetterMessageCodec implements MessageCodec<DeadLetter, DeadLetter> {

  public static final String NAME = "busbar-dead-letter";

  @Override
  public void encodeToWire(Buffer buffer, DeadLetter d) {
    int lengthAt = buffer.length();
    buffer.appendInt(0);
    WireFormat.writeString(buffer, d.tenant());
    WireFormat.writeString(buffer, d.deviceId());
    WireFormat.writeString(buffer, d.topic());
    WireFormat.writeString(buffer, d.reason());
    WireFormat.writeBytes(buffer, d.payload());
    buffer.appendLong(d.receivedAt());
    buffer.setInt(lengthAt, buffer.length() - lengthAt - 4);
  }

  @Override
  public DeadLetter decodeFromWire(int pos, Buffer buffer) {
    WireFormat.Reader in = new WireFormat.Reader(buffer, pos + 4);
    return new DeadLetter(
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readBytes(),
        in.readLong());
  }

  @Override
  public DeadLetter transform(DeadLetter d) {
    return d;
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
