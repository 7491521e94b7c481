package io.busbar.codecs.sparkplug;

import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.busbar.codecs.sparkplug.EdgeNode.Birth;
import io.busbar.codecs.sparkplug.EdgeNode.Device;
import io.busbar.codecs.sparkplug.EdgeNode.MetricDef;
import io.busbar.codecs.sparkplug.SparkplugTopic.MessageType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;

/**
 * The Sparkplug B host application's view of its edge nodes (Sparkplug 3.0 §5, §7): birth
 * certificates with alias → name and datatype, {@code bdSeq} matching of NDEATH to NBIRTH
 * (§6.4.21), {@code seq} 0–255 checking (§6.4.20), online/offline state, and when to ask for a
 * rebirth.
 *
 * <p>Nothing is guessed and nothing is dropped: data from a node that is not born, after a sequence
 * gap, or with an unknown alias makes the node "rebirth needed"; its named metrics are delivered as
 * {@link Quality#STALE}, and a message with aliases no birth explains is rejected (a dead letter
 * naming the aliases). The rebirth itself waits a short reorder window (an NBIRTH a few
 * milliseconds behind its data cancels it) and is debounced: one request per edge node per
 * interval.
 *
 * <p>Pure Java, no clock, no I/O: times come from {@link MessageContext#receivedAt()} and the
 * caller. The broker calls {@link #receive} for every Sparkplug PUBLISH (or uses {@link
 * SparkplugDecoder}), and on a timer (e.g. every 100 ms) {@link #dueRebirths(long)}, publishing
 * each request as {@link SparkplugCommands#rebirth}. Thread-safe: one lock, held briefly per
 * message.
 */
public final class SparkplugHostState {

  /** Default reorder window: how long data may precede its birth before a rebirth is asked. */
  public static final long DEFAULT_REORDER_WINDOW_MS = 500;

  /** Default debounce: at most one rebirth request per edge node per interval. */
  public static final long DEFAULT_REBIRTH_INTERVAL_MS = 5_000;

  /** The metric that carries the birth/death sequence number (§6.4.21). */
  static final String BD_SEQ = "bdSeq";

  private final long reorderWindowMs;
  private final long rebirthIntervalMs;
  private final Map<String, EdgeNode> nodes = new HashMap<>();

  public SparkplugHostState() {
    this(DEFAULT_REORDER_WINDOW_MS, DEFAULT_REBIRTH_INTERVAL_MS);
  }

  public SparkplugHostState(long reorderWindowMs, long rebirthIntervalMs) {
    if (reorderWindowMs < 0 || rebirthIntervalMs < 0) {
      throw new IllegalArgumentException("windows must be ≥ 0");
    }
    this.reorderWindowMs = reorderWindowMs;
    this.rebirthIntervalMs = rebirthIntervalMs;
  }

  /**
   * Takes in one message of an edge node or device. NCMD, DCMD and STATE carry no telemetry and
   * yield no events.
   */
  public synchronized Reception receive(SparkplugTopic topic, Payload payload, MessageContext ctx) {
    if (topic.type() == MessageType.STATE
        || topic.type() == MessageType.NCMD
        || topic.type() == MessageType.DCMD) {
      return new Reception(DecodeResult.decoded(List.of()), List.of());
    }
    EdgeNode node =
        nodes.computeIfAbsent(topic.edgeNodeId(), id -> new EdgeNode(topic.group(), topic.edge()));
    Message m = new Message(topic, payload, ctx, node);
    return switch (topic.type()) {
      case NBIRTH -> m.nodeBirth();
      case NDEATH -> m.nodeDeath();
      default -> m.sequenced();
    };
  }

  /**
   * The rebirth requests due at {@code now}: nodes that need a rebirth for longer than the reorder
   * window and were not asked within the rebirth interval. Each returned request is counted as
   * sent; the caller publishes it.
   */
  public synchronized List<RebirthRequest> dueRebirths(long now) {
    List<RebirthRequest> due = new ArrayList<>();
    for (EdgeNode node : nodes.values()) {
      if (node.rebirthNeededSince >= 0
          && now - node.rebirthNeededSince >= reorderWindowMs
          && now - node.lastRebirthAt >= rebirthIntervalMs) {
        node.lastRebirthAt = now;
        due.add(new RebirthRequest(node.group, node.edge, node.rebirthReason));
      }
    }
    return due;
  }

  /** The status of an edge node ({@code group:edge}) or device ({@code group:edge:device}). */
  public synchronized Optional<NodeStatus> status(String id) {
    return statuses().stream().filter(s -> s.id().equals(id)).findFirst();
  }

  /** The status of every edge node and device seen, for analytics and the REST API. */
  public synchronized List<NodeStatus> statuses() {
    List<NodeStatus> all = new ArrayList<>();
    for (EdgeNode node : nodes.values()) {
      all.add(new NodeStatus(node.id, node.online, node.since, node.online ? "online" : "offline"));
      for (Device d : node.devices.values()) {
        all.add(
            new NodeStatus(
                node.id + ":" + d.id, d.online, d.since, d.online ? "online" : "offline"));
      }
    }
    all.sort(java.util.Comparator.comparing(NodeStatus::id));
    return all;
  }

  /**
   * The datatype a birth declared for a metric, to write it with the right type (NCMD/DCMD).
   *
   * @param device the device id, or {@code null} for the node's own metrics
   */
  public synchronized Optional<DataType> datatype(
      String group, String edge, String device, String metric) {
    EdgeNode node = nodes.get(group + ":" + edge);
    if (node == null) {
      return Optional.empty();
    }
    Device d = device == null ? null : node.devices.get(device);
    if (device != null && d == null) {
      return Optional.empty();
    }
    MetricDef def = node.byName(d, metric);
    return def == null ? Optional.empty() : Optional.ofNullable(DataType.forNumber(def.datatype));
  }

  /** One message being taken in; holds what the branches share. */
  private final class Message {
    final SparkplugTopic topic;
    final Payload payload;
    final MessageContext ctx;
    final EdgeNode node;
    final long now;
    final List<NodeStatus> changes = new ArrayList<>();

    Message(SparkplugTopic topic, Payload payload, MessageContext ctx, EdgeNode node) {
      this.topic = topic;
      this.payload = payload;
      this.ctx = ctx;
      this.node = node;
      this.now = ctx.receivedAt();
    }

    Reception done(List<Event> events) {
      return new Reception(DecodeResult.decoded(events), changes);
    }

    Reception rejected(String reason) {
      return new Reception(
          DecodeResult.rejected(topic.type() + " of " + topic.busbarId() + ": " + reason), changes);
    }

    /** §7.1 / §6.4.21: a new session; the birth replaces everything the host knew. */
    Reception nodeBirth() {
      if (!payload.hasSeq() || payload.getSeq() < 0 || payload.getSeq() > 255) {
        node.needRebirth(now, "NBIRTH without a seq 0-255");
        return rejected("missing or out-of-range seq (§6.4.20)");
      }
      Birth birth = new Birth();
      String problem = declare(birth, null);
      if (problem != null) {
        node.needRebirth(now, "broken NBIRTH: " + problem);
        return rejected(problem);
      }
      long bdSeq = bdSeq();
      boolean diedAlready = bdSeq >= 0 && bdSeq == node.deadBdSeq;
      List<Event> events;
      try {
        events = events(null, diedAlready ? Quality.STALE : Quality.GOOD, birth);
      } catch (MetricValues.BadMetric e) {
        node.needRebirth(now, "broken NBIRTH: " + e.getMessage());
        return rejected(e.getMessage());
      }
      node.birth = birth;
      node.bdSeq = bdSeq;
      node.lastSeq = (int) payload.getSeq();
      node.rebirthNeededSince = -1;
      node.rebirthReason = null;
      // devices must be born again after an NBIRTH, except those whose DBIRTH overtook it
      node.devices.values().removeIf(d -> !d.early);
      node.devices.values().forEach(d -> d.early = false);
      setNode(
          !diedAlready,
          diedAlready
              ? "NBIRTH bdSeq=" + bdSeq + " after its own NDEATH"
              : "NBIRTH bdSeq=" + bdSeq);
      return done(events);
    }

    /** §7.2: the will; it ends the session only if its bdSeq matches the current birth. */
    Reception nodeDeath() {
      long bdSeq = bdSeq();
      node.deadBdSeq = bdSeq;
      if (node.birth != null && bdSeq >= 0 && node.bdSeq >= 0 && bdSeq != node.bdSeq) {
        // an older session's will arriving late: the current session is alive
        return done(List.of());
      }
      List<Event> stale = new ArrayList<>();
      staleEvents(node.birth, topic.edgeNodeId(), stale);
      for (Device d : node.devices.values()) {
        if (d.online) {
          staleEvents(d.birth, node.id + ":" + d.id, stale);
          setDevice(d, false, "NDEATH of its edge node");
        }
      }
      setNode(false, "NDEATH bdSeq=" + bdSeq);
      return done(stale);
    }

    /** DBIRTH, DDEATH, NDATA, DDATA: checked against the node's birth and seq. */
    Reception sequenced() {
      Quality quality = Quality.GOOD;
      if (node.birth == null || !node.online) {
        node.needRebirth(now, topic.type() + " before NBIRTH");
        quality = Quality.STALE;
      }
      if (!payload.hasSeq() || payload.getSeq() > 255 || payload.getSeq() < 0) {
        node.needRebirth(now, topic.type() + " without a seq 0-255");
        quality = Quality.STALE;
      } else {
        int seq = (int) payload.getSeq();
        if (node.lastSeq >= 0 && seq != ((node.lastSeq + 1) & 0xFF)) {
          node.needRebirth(
              now, "seq gap: expected " + ((node.lastSeq + 1) & 0xFF) + ", got " + seq);
        }
        node.lastSeq = seq;
      }
      if (!node.current()) {
        quality = Quality.STALE;
      }
      Device device = topic.device() == null ? null : node.device(topic.device());
      return switch (topic.type()) {
        case DBIRTH -> deviceBirth(device, quality);
        case DDEATH -> deviceDeath(device);
        default -> data(device, quality);
      };
    }

    Reception deviceBirth(Device device, Quality quality) {
      Birth birth = new Birth();
      String problem = declare(birth, device);
      if (problem != null) {
        node.needRebirth(now, "broken DBIRTH of " + device.id + ": " + problem);
        return rejected(problem);
      }
      List<Event> events;
      try {
        events = events(device, quality, birth);
      } catch (MetricValues.BadMetric e) {
        node.needRebirth(now, "broken DBIRTH of " + device.id + ": " + e.getMessage());
        return rejected(e.getMessage());
      }
      device.birth = birth;
      device.early = node.birth == null || !node.online;
      setDevice(device, true, "DBIRTH");
      return done(events);
    }

    Reception deviceDeath(Device device) {
      List<Event> stale = new ArrayList<>();
      staleEvents(device.birth, topic.busbarId(), stale);
      setDevice(device, false, "DDEATH");
      return done(stale);
    }

    Reception data(Device device, Quality quality) {
      if (device != null && device.birth == null) {
        node.needRebirth(now, "DDATA of " + device.id + " before its DBIRTH");
        quality = Quality.STALE;
      }
      TreeSet<Long> unknown = new TreeSet<>();
      for (int i = 0; i < payload.getMetricsCount(); i++) {
        Metric metric = payload.getMetrics(i);
        if (!metric.hasName() && !metric.hasAlias()) {
          return rejected("metrics[" + i + "] has neither name nor alias (§6.4.18)");
        }
        if (!metric.hasName() && node.byAlias(device, metric.getAlias()) == null) {
          unknown.add(metric.getAlias());
        }
      }
      if (!unknown.isEmpty()) {
        node.needRebirth(now, "unknown alias " + unknown);
        return rejected(
            "alias " + unknown + " not declared by a birth certificate; rebirth requested");
      }
      try {
        return done(events(device, quality, null));
      } catch (MetricValues.BadMetric e) {
        return rejected(e.getMessage());
      }
    }

    /** Records a birth's metrics; returns a problem, or null when the birth is well-formed. */
    String declare(Birth birth, Device device) {
      for (int i = 0; i < payload.getMetricsCount(); i++) {
        Metric m = payload.getMetrics(i);
        if (!m.hasName() || m.getName().isEmpty()) {
          return "metrics[" + i + "] has no name (births name every metric, §6.4.18)";
        }
        int datatype = m.hasDatatype() ? m.getDatatype() : MetricValues.inferDatatype(m);
        MetricDef def = new MetricDef(m.getName(), datatype, MetricValues.unit(m));
        if (m.hasAlias()) {
          MetricDef clash = birth.byAlias.putIfAbsent(m.getAlias(), def);
          MetricDef nodeClash = device != null ? node.byAlias(null, m.getAlias()) : null;
          if (clash != null || nodeClash != null) {
            return "metrics["
                + i
                + "] '"
                + m.getName()
                + "': alias "
                + m.getAlias()
                + " already used by '"
                + (clash != null ? clash : nodeClash).name
                + "' (aliases are unique per edge node)";
          }
        }
        birth.byName.put(m.getName(), def);
      }
      return null;
    }

    /** The events of the message; a birth passes its own declarations, not yet committed. */
    List<Event> events(Device device, Quality quality, Birth declared)
        throws MetricValues.BadMetric {
      List<Event> out = new ArrayList<>(payload.getMetricsCount());
      long payloadTs =
          payload.hasTimestamp() && payload.getTimestamp() >= 0 ? payload.getTimestamp() : now;
      for (int i = 0; i < payload.getMetricsCount(); i++) {
        Metric m = payload.getMetrics(i);
        MetricDef def;
        if (declared != null) {
          def = declared.byName.get(m.getName());
        } else {
          def = m.hasName() ? node.byName(device, m.getName()) : node.byAlias(device, m.getAlias());
        }
        String name = m.hasName() ? m.getName() : def.name; // data() refused unknown aliases
        MetricEvents.add(out, m, name, def, quality, payloadTs, topic.busbarId(), ctx);
      }
      return out;
    }

    long bdSeq() {
      for (Metric m : payload.getMetricsList()) {
        if (BD_SEQ.equals(m.getName())) {
          return switch (m.getValueCase()) {
            case LONG_VALUE -> m.getLongValue();
            case INT_VALUE -> m.getIntValue() & 0xFFFF_FFFFL;
            default -> -1;
          };
        }
      }
      return -1;
    }

    void staleEvents(Birth birth, String id, List<Event> out) {
      if (birth == null) {
        return;
      }
      for (MetricDef def : birth.byName.values()) {
        if (def.last != null) {
          out.add(
              new Event(
                  ctx.tenant(), id, def.name, now, def.last, Quality.STALE, def.unit, ctx.topic()));
        }
      }
    }

    void setNode(boolean online, String reason) {
      node.online = online;
      node.since = now;
      changes.add(new NodeStatus(node.id, online, now, reason));
    }

    void setDevice(Device d, boolean online, String reason) {
      d.online = online;
      d.since = now;
      changes.add(new NodeStatus(node.id + ":" + d.id, online, now, reason));
    }
  }

  /** The value of a null metric (§6.4.18 is_null), delivered with BAD quality. */
  static final Value NULL_VALUE = Value.of("null");
}
