package io.busbar.verticles.mqtt.store;

import io.busbar.codecs.journal.Journal;
import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.busbar.verticles.mqtt.session.Subscription;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent sessions in a journal, {@code sessions.log}: every change a session reports is
 * appended by a {@link JournalWriter} (group commit, fsync per batch). A mirror of the stored state
 * is kept in memory to load at start and to write snapshots: at every open and after every 64 MiB
 * of appends the journal is replaced by a snapshot of the live sessions.
 *
 * <p>Guarantee: a message whose {@link #messageAdded} future completed is on disk for every
 * persistent session it was handed to, so after a crash it is delivered again (QoS 1: at least
 * once; a QoS 2 message released with PUBREC resumes with PUBREL under its packet id). Messages
 * that were in flight but not released are sent again under new packet ids, without DUP.
 * Subscription and expiry changes are written in order with the messages, without waiting.
 *
 * <p>The packet ids of incoming QoS 2 PUBLISHes not yet released are on disk before their PUBREC
 * (and their release before PUBCOMP), so a PUBLISH resent after a crash is not routed twice (MQTT
 * 5.0 §4.3.3). A will waiting for its will delay is kept with its due time and published after a
 * restart when due, unless the client came back; the will of a connection that is live when the
 * node dies is due its will delay after the next start (the crash closed that connection).
 */
public final class FileSessionStore implements SessionStore {

  private static final Logger LOG = LoggerFactory.getLogger(FileSessionStore.class);
  static final String FILE = "sessions.log";
  static final long COMPACT_AFTER_BYTES = 64L * 1024 * 1024;

  private static final byte SAVED = 1;
  private static final byte ENDED = 2;
  private static final byte SUBSCRIBED = 3;
  private static final byte UNSUBSCRIBED = 4;
  private static final byte ADDED = 5;
  private static final byte RELEASED = 6;
  private static final byte REMOVED = 7;
  private static final byte INCOMING_QOS2 = 8;
  private static final byte INCOMING_QOS2_RELEASED = 9;
  private static final byte WILL = 10;
  private static final byte WILL_CLEARED = 11;
  private static final byte WILL_ARMED = 12;

  /** The stored state of one session, mirrored on the broker's context. */
  private static final class Mirror {
    final String tenant;
    final String clientId;
    long expirySeconds;
    final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    final Map<Long, StoredMessage> messages = new LinkedHashMap<>();
    final Set<Integer> incomingQos2 = new LinkedHashSet<>();
    StoredWill will;

    /**
     * The will of the live connection ({@code dueAtMillis} holds its delay): if the node dies, it
     * is due that long after the next start.
     */
    StoredWill armedWill;

    Mirror(String tenant, String clientId) {
      this.tenant = tenant;
      this.clientId = clientId;
    }
  }

  private final Map<String, Mirror> sessions;
  private final List<StoredSession> loaded;
  private final long compactAfterBytes;
  private JournalWriter journal;

  private FileSessionStore(Map<String, Mirror> sessions, long compactAfterBytes) {
    this.sessions = sessions;
    this.compactAfterBytes = compactAfterBytes;
    this.loaded = snapshotSessions(sessions);
  }

  /**
   * Opens the store in {@code dir}: replays the journal (stopping at a torn tail) and rewrites it
   * as a snapshot. <b>Blocking</b>: call from a worker.
   *
   * @param context where the futures of {@link #messageAdded} complete: the broker's context
   * @throws UncheckedIOException when the journal cannot be read or written
   */
  public static FileSessionStore open(Path dir, Context context) {
    return open(dir, context, COMPACT_AFTER_BYTES);
  }

  /** As {@link #open(Path, Context)}, compacting after {@code compactAfterBytes} of appends. */
  static FileSessionStore open(Path dir, Context context, long compactAfterBytes) {
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve(FILE);
      Map<String, Mirror> sessions = new LinkedHashMap<>();
      if (Files.exists(log)) {
        int records = Journal.replay(log, bytes -> apply(sessions, bytes));
        LOG.info("session store: {} records replayed, {} sessions", records, sessions.size());
      }
      // connections live when the node stopped are gone: their wills count from now
      long now = System.currentTimeMillis();
      for (Mirror m : sessions.values()) {
        if (m.armedWill != null) {
          m.will = new StoredWill(now + m.armedWill.dueAtMillis(), m.armedWill.message());
          m.armedWill = null;
        }
      }
      FileSessionStore store = new FileSessionStore(sessions, compactAfterBytes);
      JournalWriter.writeSnapshot(log, store.snapshot());
      store.journal = new JournalWriter(log, context, "busbar-session-writer");
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open session store in " + dir, e);
    }
  }

  private static String key(String tenant, String clientId) {
    return tenant + '\u0000' + clientId;
  }

  @Override
  public List<StoredSession> load() {
    return loaded;
  }

  private static List<StoredSession> snapshotSessions(Map<String, Mirror> sessions) {
    List<StoredSession> out = new ArrayList<>();
    for (Mirror m : sessions.values()) {
      out.add(
          new StoredSession(
              m.tenant,
              m.clientId,
              m.expirySeconds,
              List.copyOf(m.subscriptions.values()),
              List.copyOf(m.messages.values()),
              Set.copyOf(m.incomingQos2),
              m.will));
    }
    return out;
  }

  @Override
  public void sessionSaved(String tenant, String clientId, long expirySeconds) {
    write(record(SAVED, tenant, clientId, out -> out.writeLong(expirySeconds)));
  }

  @Override
  public void sessionEnded(String tenant, String clientId) {
    if (sessions.containsKey(key(tenant, clientId))) {
      write(record(ENDED, tenant, clientId, out -> {}));
    }
  }

  @Override
  public void subscribed(String tenant, String clientId, Subscription s) {
    write(record(SUBSCRIBED, tenant, clientId, out -> subscription(out, s)));
  }

  @Override
  public void unsubscribed(String tenant, String clientId, String filter) {
    write(record(UNSUBSCRIBED, tenant, clientId, out -> string(out, filter)));
  }

  @Override
  public Future<Void> messageAdded(String tenant, String clientId, long seq, Delivery d) {
    Mirror m = sessions.get(key(tenant, clientId));
    if (m == null) {
      return null;
    }
    // the mirror keeps the delivery itself, not a decoded copy of the record
    m.messages.put(seq, new StoredMessage(seq, d, 0));
    return append(
        record(
            ADDED,
            tenant,
            clientId,
            out -> {
              out.writeLong(seq);
              delivery(out, d);
            }));
  }

  @Override
  public void messageReleased(String tenant, String clientId, long seq, int packetId) {
    write(
        record(
            RELEASED,
            tenant,
            clientId,
            out -> {
              out.writeLong(seq);
              out.writeInt(packetId);
            }));
  }

  @Override
  public void messageRemoved(String tenant, String clientId, long seq) {
    Mirror m = sessions.get(key(tenant, clientId));
    if (m != null && m.messages.containsKey(seq)) {
      write(record(REMOVED, tenant, clientId, out -> out.writeLong(seq)));
    }
  }

  @Override
  public Future<Void> incomingQos2Received(String tenant, String clientId, int packetId) {
    if (!sessions.containsKey(key(tenant, clientId))) {
      return null;
    }
    return write(record(INCOMING_QOS2, tenant, clientId, out -> out.writeShort(packetId)));
  }

  @Override
  public Future<Void> incomingQos2Released(String tenant, String clientId, int packetId) {
    Mirror m = sessions.get(key(tenant, clientId));
    if (m == null || !m.incomingQos2.contains(packetId)) {
      return null;
    }
    return write(record(INCOMING_QOS2_RELEASED, tenant, clientId, out -> out.writeShort(packetId)));
  }

  @Override
  public void willScheduled(String tenant, String clientId, StoredWill will) {
    if (sessions.containsKey(key(tenant, clientId))) {
      write(record(WILL, tenant, clientId, out -> will(out, will)));
    }
  }

  @Override
  public void willArmed(String tenant, String clientId, long delayMillis, Message will) {
    if (sessions.containsKey(key(tenant, clientId))) {
      StoredWill armed = new StoredWill(delayMillis, will);
      write(record(WILL_ARMED, tenant, clientId, out -> will(out, armed)));
    }
  }

  @Override
  public void willCleared(String tenant, String clientId) {
    Mirror m = sessions.get(key(tenant, clientId));
    if (m != null && (m.will != null || m.armedWill != null)) {
      write(record(WILL_CLEARED, tenant, clientId, out -> {}));
    }
  }

  @Override
  public Future<Void> close() {
    return journal.close();
  }

  /** Applies a record to the mirror and appends it to the journal. */
  private Future<Void> write(byte[] record) {
    apply(sessions, record);
    return append(record);
  }

  /** Appends a record to the journal; compacts when due. */
  private Future<Void> append(byte[] record) {
    Future<Void> written = journal.append(record);
    if (journal.bytesSinceRewrite() > compactAfterBytes) {
      journal.rewrite(snapshot());
    }
    return written;
  }

  private List<byte[]> snapshot() {
    List<byte[]> records = new ArrayList<>();
    for (Mirror m : sessions.values()) {
      records.add(record(SAVED, m.tenant, m.clientId, out -> out.writeLong(m.expirySeconds)));
      for (Subscription s : m.subscriptions.values()) {
        records.add(record(SUBSCRIBED, m.tenant, m.clientId, out -> subscription(out, s)));
      }
      for (StoredMessage sm : m.messages.values()) {
        records.add(
            record(
                ADDED,
                m.tenant,
                m.clientId,
                out -> {
                  out.writeLong(sm.seq());
                  delivery(out, sm.delivery());
                }));
        if (sm.releasedPacketId() > 0) {
          records.add(
              record(
                  RELEASED,
                  m.tenant,
                  m.clientId,
                  out -> {
                    out.writeLong(sm.seq());
                    out.writeInt(sm.releasedPacketId());
                  }));
        }
      }
      for (int packetId : m.incomingQos2) {
        records.add(record(INCOMING_QOS2, m.tenant, m.clientId, out -> out.writeShort(packetId)));
      }
      if (m.will != null) {
        StoredWill will = m.will;
        records.add(record(WILL, m.tenant, m.clientId, out -> will(out, will)));
      }
      if (m.armedWill != null) {
        StoredWill armed = m.armedWill;
        records.add(record(WILL_ARMED, m.tenant, m.clientId, out -> will(out, armed)));
      }
    }
    return records;
  }

  // ---- records ----

  @FunctionalInterface
  private interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] record(byte type, String tenant, String clientId, Body body) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(type);
      string(out, tenant);
      string(out, clientId);
      body.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void apply(Map<String, Mirror> sessions, byte[] record) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
      byte type = in.readByte();
      String tenant = string(in);
      String clientId = string(in);
      String key = key(tenant, clientId);
      if (type == SAVED) {
        sessions.computeIfAbsent(key, k -> new Mirror(tenant, clientId)).expirySeconds =
            in.readLong();
        return;
      }
      if (type == ENDED) {
        sessions.remove(key);
        return;
      }
      Mirror m = sessions.get(key);
      if (m == null) {
        return; // a change to a session that is not stored: nothing to keep
      }
      switch (type) {
        case SUBSCRIBED -> {
          Subscription s = subscription(in);
          m.subscriptions.put(s.filter(), s);
        }
        case UNSUBSCRIBED -> m.subscriptions.remove(string(in));
        case ADDED -> {
          long seq = in.readLong();
          m.messages.put(seq, new StoredMessage(seq, delivery(in), 0));
        }
        case RELEASED -> {
          long seq = in.readLong();
          int packetId = in.readInt();
          StoredMessage sm = m.messages.get(seq);
          if (sm != null) {
            m.messages.put(seq, new StoredMessage(seq, sm.delivery(), packetId));
          }
        }
        case REMOVED -> m.messages.remove(in.readLong());
        case INCOMING_QOS2 -> m.incomingQos2.add(in.readUnsignedShort());
        case INCOMING_QOS2_RELEASED -> m.incomingQos2.remove(in.readUnsignedShort());
        case WILL -> {
          m.will = will(in);
          m.armedWill = null;
        }
        case WILL_ARMED -> {
          m.armedWill = will(in);
          m.will = null;
        }
        case WILL_CLEARED -> {
          m.will = null;
          m.armedWill = null;
        }
        default -> throw new IOException("unknown session record type " + type);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void subscription(DataOutputStream out, Subscription s) throws IOException {
    string(out, s.filter());
    out.writeByte(s.qos());
    out.writeBoolean(s.noLocal());
    out.writeBoolean(s.retainAsPublished());
    out.writeByte(s.retainHandling());
    out.writeInt(s.subscriptionId());
  }

  private static Subscription subscription(DataInputStream in) throws IOException {
    return new Subscription(
        string(in), in.readByte(), in.readBoolean(), in.readBoolean(), in.readByte(), in.readInt());
  }

  private static void delivery(DataOutputStream out, Delivery d) throws IOException {
    out.writeByte(d.qos());
    out.writeBoolean(d.retain());
    out.writeInt(d.subscriptionIds().size());
    for (int id : d.subscriptionIds()) {
      out.writeInt(id);
    }
    out.writeBoolean(d.sharedFilter() != null);
    if (d.sharedFilter() != null) {
      string(out, d.sharedFilter());
    }
    byte[] message = RecordCodec.encode(d.message());
    out.writeInt(message.length);
    out.write(message);
  }

  private static Delivery delivery(DataInputStream in) throws IOException {
    int qos = in.readByte();
    boolean retain = in.readBoolean();
    int n = in.readInt();
    List<Integer> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(in.readInt());
    }
    String shared = in.readBoolean() ? string(in) : null;
    byte[] message = new byte[in.readInt()];
    in.readFully(message);
    return new Delivery(RecordCodec.decode(message), qos, retain, ids, shared);
  }

  private static void will(DataOutputStream out, StoredWill will) throws IOException {
    out.writeLong(will.dueAtMillis());
    byte[] message = RecordCodec.encode(will.message());
    out.writeInt(message.length);
    out.write(message);
  }

  private static StoredWill will(DataInputStream in) throws IOException {
    long dueAt = in.readLong();
    byte[] message = new byte[in.readInt()];
    in.readFully(message);
    return new StoredWill(dueAt, RecordCodec.decode(message));
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
}
