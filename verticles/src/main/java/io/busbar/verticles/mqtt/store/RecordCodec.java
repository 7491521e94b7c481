package io.busbar.verticles.mqtt.store;

import io.busbar.verticles.mqtt.session.Message;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The binary form of a {@link Message} in a journal: version byte, tenant, topic, QoS, retain,
 * publisher, expiry, the MQTT 5 properties (integers, strings, binary data, user properties) and
 * the payload. Strings are length-prefixed UTF-8.
 */
public final class RecordCodec {

  private static final byte VERSION = 1;
  private static final byte INT = 0;
  private static final byte STRING = 1;
  private static final byte BINARY = 2;
  private static final byte USER = 3;

  private RecordCodec() {}

  public static byte[] encode(Message m) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + m.payload().length());
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      string(out, m.tenant());
      string(out, m.topic());
      out.writeByte(m.qos());
      out.writeBoolean(m.retain());
      string(out, m.publisherId() == null ? "" : m.publisherId());
      out.writeLong(m.expiresAt());
      properties(out, m.properties());
      byte[] payload = m.payload().getBytes();
      out.writeInt(payload.length);
      out.write(payload);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Message decode(byte[] record) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
      byte version = in.readByte();
      if (version != VERSION) {
        throw new IOException("unknown record version " + version);
      }
      String tenant = string(in);
      String topic = string(in);
      int qos = in.readByte();
      boolean retain = in.readBoolean();
      String publisher = string(in);
      long expiresAt = in.readLong();
      MqttProperties props = properties(in);
      byte[] payload = new byte[in.readInt()];
      in.readFully(payload);
      return new Message(
          tenant, topic, Buffer.buffer(payload), qos, retain, props, publisher, expiresAt);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String string(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void properties(DataOutputStream out, MqttProperties props) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    DataOutputStream p = new DataOutputStream(buf);
    int count = 0;
    for (MqttProperty<?> prop : props.listAll()) {
      Object v = prop.value();
      if (v instanceof Integer i) {
        p.writeByte(INT);
        p.writeInt(prop.propertyId());
        p.writeInt(i);
        count++;
      } else if (v instanceof String s) {
        p.writeByte(STRING);
        p.writeInt(prop.propertyId());
        string(p, s);
        count++;
      } else if (v instanceof byte[] b) {
        p.writeByte(BINARY);
        p.writeInt(prop.propertyId());
        p.writeInt(b.length);
        p.write(b);
        count++;
      } else if (v instanceof List<?> list) {
        for (Object o : list) {
          if (o instanceof MqttProperties.StringPair pair) {
            p.writeByte(USER);
            p.writeInt(prop.propertyId());
            string(p, pair.key);
            string(p, pair.value);
            count++;
          }
        }
      }
    }
    p.flush();
    out.writeInt(count);
    out.write(buf.toByteArray());
  }

  private static MqttProperties properties(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count == 0) {
      return MqttProperties.NO_PROPERTIES;
    }
    MqttProperties props = new MqttProperties();
    for (int i = 0; i < count; i++) {
      byte kind = in.readByte();
      int id = in.readInt();
      switch (kind) {
        case INT -> props.add(new MqttProperties.IntegerProperty(id, in.readInt()));
        case STRING -> props.add(new MqttProperties.StringProperty(id, string(in)));
        case BINARY -> {
          byte[] b = new byte[in.readInt()];
          in.readFully(b);
          props.add(new MqttProperties.BinaryProperty(id, b));
        }
        case USER -> props.add(new MqttProperties.UserProperty(string(in), string(in)));
        default -> throw new IOException("unknown property kind " + kind);
      }
    }
    return props;
  }
}
