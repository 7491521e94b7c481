package io.busbar.verticles.mqtt.cluster;

import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.busbar.verticles.mqtt.session.Subscription;
import io.busbar.verticles.mqtt.store.RecordCodec;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Binary forms sent between nodes: a session handed over or replicated (subscriptions,
 * unacknowledged messages, incoming QoS 2 packet ids awaiting PUBREL, the will) and a forwarded
 * message with the share groups the receiving node serves. Strings are length-prefixed UTF-8;
 * messages use the journal's {@link RecordCodec}, MQTT 5 properties kept.
 */
final class SessionWire {

  private SessionWire() {}

  static Buffer encodeForward(java.util.Collection<String> groups, byte[] record) {
    Buffer b = Buffer.buffer(16 + record.length);
    b.appendInt(groups.size());
    groups.forEach(g -> string(b, g));
    b.appendInt(record.length).appendBytes(record);
    return b;
  }

  /** Decodes {@link #encodeForward}: the groups into {@code groups}, returns the record. */
  static byte[] decodeForward(Buffer b, java.util.Set<String> groups) {
    int[] pos = {0};
    int n = b.getInt(pos[0]);
    pos[0] += 4;
    for (int i = 0; i < n; i++) {
      groups.add(string(b, pos));
    }
    return bytes(b, pos);
  }

  /** No will in a session's form. */
  private static final byte NO_WILL = 0;

  /** A will due at an epoch time: its connection ended, the will delay runs. */
  private static final byte WILL_DUE = 1;

  /** The will of a live connection: due its will delay (ms) after the connection is lost. */
  private static final byte WILL_ARMED = 2;

  static Buffer encode(SessionStore.StoredSession s) {
    return encode(s, null);
  }

  /**
   * Encodes a session; {@code armed} is the will of its live connection ({@code dueAtMillis} holds
   * the will delay in ms), written in place of {@code s.will()} when not {@code null}.
   */
  static Buffer encode(SessionStore.StoredSession s, SessionStore.StoredWill armed) {
    Buffer b = Buffer.buffer();
    string(b, s.tenant());
    string(b, s.clientId());
    b.appendLong(s.expirySeconds());
    b.appendInt(s.subscriptions().size());
    for (Subscription sub : s.subscriptions()) {
      string(b, sub.filter());
      b.appendByte((byte) sub.qos());
      b.appendByte((byte) (sub.noLocal() ? 1 : 0));
      b.appendByte((byte) (sub.retainAsPublished() ? 1 : 0));
      b.appendByte((byte) sub.retainHandling());
      b.appendInt(sub.subscriptionId());
    }
    b.appendInt(s.messages().size());
    for (SessionStore.StoredMessage m : s.messages()) {
      Delivery d = m.delivery();
      b.appendLong(m.seq()).appendInt(m.releasedPacketId());
      b.appendByte((byte) d.qos()).appendByte((byte) (d.retain() ? 1 : 0));
      b.appendByte((byte) (m.sent() ? 1 : 0));
      b.appendInt(d.subscriptionIds().size());
      d.subscriptionIds().forEach(b::appendInt);
      string(b, d.sharedFilter() == null ? "" : d.sharedFilter());
      byte[] record = RecordCodec.encode(d.message());
      b.appendInt(record.length).appendBytes(record);
    }
    b.appendInt(s.incomingQos2().size());
    s.incomingQos2().forEach(b::appendInt);
    SessionStore.StoredWill will = armed != null ? armed : s.will();
    if (will == null) {
      b.appendByte(NO_WILL);
    } else {
      b.appendByte(armed != null ? WILL_ARMED : WILL_DUE).appendLong(will.dueAtMillis());
      byte[] record = RecordCodec.encode(will.message());
      b.appendInt(record.length).appendBytes(record);
    }
    return b;
  }

  static SessionStore.StoredSession decode(Buffer b) {
    int[] pos = {0};
    String tenant = string(b, pos);
    String clientId = string(b, pos);
    long expiry = b.getLong(pos[0]);
    pos[0] += 8;
    int subs = integer(b, pos);
    List<Subscription> subscriptions = new ArrayList<>(subs);
    for (int i = 0; i < subs; i++) {
      String filter = string(b, pos);
      int qos = b.getByte(pos[0]);
      boolean noLocal = b.getByte(pos[0] + 1) == 1;
      boolean rap = b.getByte(pos[0] + 2) == 1;
      int rh = b.getByte(pos[0] + 3);
      pos[0] += 4;
      subscriptions.add(new Subscription(filter, qos, noLocal, rap, rh, integer(b, pos)));
    }
    int count = integer(b, pos);
    List<SessionStore.StoredMessage> messages = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long seq = b.getLong(pos[0]);
      pos[0] += 8;
      int released = integer(b, pos);
      int qos = b.getByte(pos[0]);
      boolean retain = b.getByte(pos[0] + 1) == 1;
      boolean sent = b.getByte(pos[0] + 2) == 1;
      pos[0] += 3;
      int ids = integer(b, pos);
      List<Integer> subIds = new ArrayList<>(ids);
      for (int j = 0; j < ids; j++) {
        subIds.add(integer(b, pos));
      }
      String shared = string(b, pos);
      byte[] record = bytes(b, pos);
      messages.add(
          new SessionStore.StoredMessage(
              seq,
              new Delivery(
                  RecordCodec.decode(record),
                  qos,
                  retain,
                  subIds,
                  shared.isEmpty() ? null : shared),
              released,
              sent));
    }
    Set<Integer> incomingQos2 = new LinkedHashSet<>();
    SessionStore.StoredWill will = null;
    if (pos[0] < b.length()) { // absent in forms written before they were replicated
      int ids = integer(b, pos);
      for (int i = 0; i < ids; i++) {
        incomingQos2.add(integer(b, pos));
      }
      byte kind = b.getByte(pos[0]);
      pos[0] += 1;
      if (kind != NO_WILL) {
        long time = b.getLong(pos[0]);
        pos[0] += 8;
        Message message = RecordCodec.decode(bytes(b, pos));
        // a live connection's will: its node is gone, so the connection is lost from now on
        will =
            new SessionStore.StoredWill(
                kind == WILL_ARMED ? System.currentTimeMillis() + time : time, message);
      }
    }
    return new SessionStore.StoredSession(
        tenant, clientId, expiry, subscriptions, messages, Set.copyOf(incomingQos2), will);
  }

  static void string(Buffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.appendInt(bytes.length).appendBytes(bytes);
  }

  static String string(Buffer b, int[] pos) {
    return new String(bytes(b, pos), StandardCharsets.UTF_8);
  }

  static byte[] bytes(Buffer b, int[] pos) {
    int len = integer(b, pos);
    byte[] out = b.getBytes(pos[0], pos[0] + len);
    pos[0] += len;
    return out;
  }

  static int integer(Buffer b, int[] pos) {
    int v = b.getInt(pos[0]);
    pos[0] += 4;
    return v;
  }
}
