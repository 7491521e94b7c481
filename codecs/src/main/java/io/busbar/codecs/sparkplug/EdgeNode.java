package io.busbar.codecs.sparkplug;

import io.busbar.codecs.model.Value;
import java.util.HashMap;
import java.util.Map;

/**
 * The host's record of one edge node session and its devices. Mutable; guarded by the {@link
 * SparkplugHostState} that owns it.
 */
final class EdgeNode {

  /** One metric as its birth certificate declared it, with its last value. */
  static final class MetricDef {
    final String name;
    final int datatype;
    final String unit;
    Value last;

    MetricDef(String name, int datatype, String unit) {
      this.name = name;
      this.datatype = datatype;
      this.unit = unit;
    }
  }

  /** The metrics a birth certificate declared, by alias and by name. */
  static final class Birth {
    final Map<Long, MetricDef> byAlias = new HashMap<>();
    final Map<String, MetricDef> byName = new HashMap<>();
  }

  /** A device of the edge node. */
  static final class Device {
    final String id;
    boolean online;
    long since;
    Birth birth;

    /** Born while its node had no valid birth: kept when the NBIRTH arrives (reordering). */
    boolean early;

    Device(String id) {
      this.id = id;
    }
  }

  final String group;
  final String edge;
  final String id;
  boolean online;
  long since;
  Birth birth;
  long bdSeq = -1;

  /** The bdSeq of the last NDEATH received, so a late NBIRTH of that session is born dead. */
  long deadBdSeq = -1;

  int lastSeq = -1;
  long rebirthNeededSince = -1;
  String rebirthReason;
  long lastRebirthAt = Long.MIN_VALUE / 2;
  final Map<String, Device> devices = new HashMap<>();

  EdgeNode(String group, String edge) {
    this.group = group;
    this.edge = edge;
    this.id = group + ":" + edge;
  }

  Device device(String deviceId) {
    return devices.computeIfAbsent(deviceId, Device::new);
  }

  /** Whether data from this node can be trusted: born, online, no rebirth pending. */
  boolean current() {
    return online && birth != null && rebirthNeededSince < 0;
  }

  void needRebirth(long now, String reason) {
    if (rebirthNeededSince < 0) {
      rebirthNeededSince = now;
      rebirthReason = reason;
    }
  }

  /** The metric a device (or the node itself, device null) declared under this alias. */
  MetricDef byAlias(Device device, long alias) {
    MetricDef def = device != null && device.birth != null ? device.birth.byAlias.get(alias) : null;
    return def != null || birth == null ? def : birth.byAlias.get(alias);
  }

  MetricDef byName(Device device, String name) {
    if (device != null) {
      return device.birth == null ? null : device.birth.byName.get(name);
    }
    return birth == null ? null : birth.byName.get(name);
  }
}
