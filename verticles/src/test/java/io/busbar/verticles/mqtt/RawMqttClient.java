package io.busbar.verticles.mqtt;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A byte-level MQTT client for what real clients hide or refuse to do: resend a QoS 2 PUBLISH,
 * withhold an acknowledgement, read the DUP flag, drop the TCP connection without DISCONNECT, send
 * oversized or malformed packets. Packets are built field by field with a comment each.
 */
final class RawMqttClient implements AutoCloseable {

  /** A packet read from the broker: fixed-header type and flags, then the rest as bytes. */
  record Packet(int type, int flags, byte[] body) {
    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBACK = 9;
    static final int DISCONNECT = 14;

    boolean dup() {
      return (flags & 0x08) != 0;
    }

    int qos() {
      return (flags >> 1) & 0x03;
    }

    /** The packet id of a QoS > 0 PUBLISH (after the topic) or of an ack (first two bytes). */
    int packetId() {
      if (type == PUBLISH) {
        int topicLen = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        return ((body[2 + topicLen] & 0xFF) << 8) | (body[3 + topicLen] & 0xFF);
      }
      return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
    }

    String topic() {
      int topicLen = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
      return new String(body, 2, topicLen, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawMqttClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static RawMqttClient open(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setTcpNoDelay(true);
    return new RawMqttClient(s);
  }

  /**
   * A client whose socket receive buffer is about {@code receiveBuffer} bytes, so that what the
   * broker sends it backs up in the broker while it does not read.
   */
  static RawMqttClient open(int port, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(receiveBuffer); // before connecting: it sets the window
    s.setTcpNoDelay(true);
    s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    return new RawMqttClient(s);
  }

  void send(byte[] packet) throws IOException {
    out.write(packet);
    out.flush();
  }

  /** The next packet, or {@code null} when none arrives in time or the broker closed the socket. */
  Packet read(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    try {
      int first = in.read();
      if (first < 0) {
        return null;
      }
      int length = 0;
      int multiplier = 1;
      int b;
      do {
        b = in.readUnsignedByte();
        length += (b & 0x7F) * multiplier;
        multiplier *= 128;
      } while ((b & 0x80) != 0);
      byte[] body = new byte[length];
      in.readFully(body);
      return new Packet(first >> 4, first & 0x0F, body);
    } catch (SocketTimeoutException | EOFException e) {
      return null;
    } catch (IOException e) {
      if (socket.isClosed() || e.getMessage() != null && e.getMessage().contains("reset")) {
        return null;
      }
      throw e;
    }
  }

  /** Reads packets until one of {@code type} arrives; {@code null} on timeout or close. */
  Packet await(int type, int timeoutMillis) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      Packet p = read((int) Math.max(1, deadline - System.currentTimeMillis()));
      if (p == null) {
        return null;
      }
      if (p.type() == type) {
        return p;
      }
    }
    return null;
  }

  /** Whether the broker closed the connection within {@code timeoutMillis}. */
  boolean closedByBroker(int timeoutMillis) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    socket.setSoTimeout(timeoutMillis);
    while (System.currentTimeMillis() < deadline) {
      try {
        int b = in.read();
        if (b < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  // ---- packet builders ----

  static byte[] packet(int typeAndFlags, byte[] body) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(typeAndFlags);
    int len = body.length;
    do {
      int digit = len % 128;
      len /= 128;
      p.write(len > 0 ? digit | 0x80 : digit);
    } while (len > 0);
    p.writeBytes(body);
    return p.toByteArray();
  }

  static void string(ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.write(bytes.length >> 8);
    b.write(bytes.length & 0xFF);
    b.writeBytes(bytes);
  }

  static void binary(ByteArrayOutputStream b, byte[] bytes) {
    b.write(bytes.length >> 8);
    b.write(bytes.length & 0xFF);
    b.writeBytes(bytes);
  }

  /** A will for CONNECT: topic, payload, QoS, and (5.0) the will delay interval in seconds. */
  record Will(String topic, byte[] payload, int qos, int delaySeconds) {}

  /**
   * CONNECT (MQTT 3.1.1 §3.1 when {@code v5} is false, 5.0 §3.1 otherwise) with user name and
   * password, optional will, and (5.0) a session expiry interval.
   */
  static byte[] connect(
      boolean v5,
      String clientId,
      boolean cleanStart,
      int keepAliveSeconds,
      String user,
      String password,
      Will will,
      int sessionExpirySeconds) {
    byte[] properties = new byte[0];
    if (v5 && sessionExpirySeconds > 0) {
      properties = new byte[5];
      properties[0] = 0x11; // session expiry interval
      System.arraycopy(int4(sessionExpirySeconds), 0, properties, 1, 4);
    }
    return connect(v5, clientId, cleanStart, keepAliveSeconds, user, password, will, properties);
  }

  /**
   * A clean-start 5.0 CONNECT with keep alive 30 s, user name = client id, and {@code properties}
   * as given (encoded property identifiers and values, under 128 bytes), for property errors.
   */
  static byte[] connectWithProperties(String clientId, String password, byte[] properties) {
    return connect(true, clientId, true, 30, clientId, password, null, properties);
  }

  private static byte[] connect(
      boolean v5,
      String clientId,
      boolean cleanStart,
      int keepAliveSeconds,
      String user,
      String password,
      Will will,
      byte[] properties) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    string(b, "MQTT"); // protocol name
    b.write(v5 ? 5 : 4); // protocol level
    int flags = 0;
    if (user != null) {
      flags |= 0x80;
    }
    if (password != null) {
      flags |= 0x40;
    }
    if (will != null) {
      flags |= 0x04 | (will.qos() << 3);
    }
    if (cleanStart) {
      flags |= 0x02;
    }
    b.write(flags); // connect flags
    b.write(keepAliveSeconds >> 8); // keep alive MSB
    b.write(keepAliveSeconds & 0xFF); // keep alive LSB
    if (v5) {
      b.write(properties.length); // property length (one byte: under 128)
      b.writeBytes(properties);
    }
    string(b, clientId); // client identifier
    if (will != null) {
      if (v5) {
        if (will.delaySeconds() > 0) {
          b.write(5); // will property length
          b.write(0x18); // will delay interval
          b.writeBytes(int4(will.delaySeconds()));
        } else {
          b.write(0);
        }
      }
      string(b, will.topic()); // will topic
      binary(b, will.payload()); // will payload
    }
    if (user != null) {
      string(b, user);
    }
    if (password != null) {
      string(b, password);
    }
    return packet(0x10, b.toByteArray());
  }

  static byte[] int4(int v) {
    return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
  }

  /** PUBLISH (§3.3) with the given flags; {@code v5} adds an empty property length. */
  static byte[] publish(
      boolean v5,
      String topic,
      int qos,
      int packetId,
      boolean dup,
      boolean retain,
      byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    string(b, topic); // topic name
    if (qos > 0) {
      b.write(packetId >> 8); // packet id MSB
      b.write(packetId & 0xFF); // packet id LSB
    }
    if (v5) {
      b.write(0); // property length
    }
    b.writeBytes(payload);
    int flags = (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
    return packet(0x30 | flags, b.toByteArray());
  }

  /** A 5.0 QoS 0 PUBLISH with a topic alias property (0x23, two-byte integer). */
  static byte[] publishWithAlias(String topic, int alias, byte[] payload) {
    // topic name may be empty when the alias is known
    return publishWithProperties(
        topic, new byte[] {0x23, (byte) (alias >> 8), (byte) alias}, payload);
  }

  /** A 5.0 QoS 0 PUBLISH with {@code properties} as given (encoded, under 128 bytes). */
  static byte[] publishWithProperties(String topic, byte[] properties, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    string(b, topic);
    b.write(properties.length); // property length
    b.writeBytes(properties);
    b.writeBytes(payload);
    return packet(0x30, b.toByteArray());
  }

  /** SUBSCRIBE (§3.8) to one filter; fixed-header flags 0b0010 as required. */
  static byte[] subscribe(boolean v5, int packetId, String filter, int qos) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(packetId >> 8);
    b.write(packetId & 0xFF);
    if (v5) {
      b.write(0); // property length
    }
    string(b, filter);
    b.write(qos); // requested QoS (5.0: options byte, other options 0)
    return packet(0x82, b.toByteArray());
  }

  /** A 5.0 SUBSCRIBE with a subscription identifier (property 0x0B, one-byte varint here). */
  static byte[] subscribeWithId(int packetId, String filter, int qos, int subscriptionId) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(packetId >> 8);
    b.write(packetId & 0xFF);
    b.write(2); // property length
    b.write(0x0B); // subscription identifier
    b.write(subscriptionId); // variable byte integer < 128
    string(b, filter);
    b.write(qos); // options
    return packet(0x82, b.toByteArray());
  }

  /**
   * An acknowledgement with only a packet id: PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70.
   */
  static byte[] ack(int typeAndFlags, int packetId) {
    return packet(typeAndFlags, new byte[] {(byte) (packetId >> 8), (byte) packetId});
  }

  static byte[] disconnect() {
    return packet(0xE0, new byte[0]);
  }
}
