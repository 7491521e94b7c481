package io.busbar.verticles.analytics;

import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The live picture of the plant: the latest value of every metric of every device, and a registry
 * of the devices seen.
 *
 * <p>Devices are keyed by device id alone, as in the topic namespace ({@code
 * devices/{deviceId}/…}); the tenant recorded is that of the device's latest event. Times are the
 * events' own timestamps: {@code firstSeen} is the earliest and {@code lastSeen} the latest event
 * timestamp of the device (not the wall clock at receipt), so replays and tests are deterministic.
 *
 * <p>Not thread-safe: one thread (the analytics verticle's event loop) owns an instance. Memory
 * grows with devices × metrics; eviction of silent devices is left to issue 8.
 */
public final class LiveState {

  /** The latest value of one metric. */
  public record Reading(Value value, long timestamp, Quality quality, String unit) {}

  /** What is known about one device; {@code metrics} is sorted. */
  public record DeviceInfo(
      String device, String tenant, long firstSeen, long lastSeen, List<String> metrics) {}

  private static final class DeviceState {
    String tenant;
    long firstSeen;
    long lastSeen;
    final NavigableMap<String, Reading> latest = new TreeMap<>();

    DeviceState(String tenant, long timestamp) {
      this.tenant = tenant;
      this.firstSeen = timestamp;
      this.lastSeen = timestamp;
    }
  }

  private final NavigableMap<String, DeviceState> devices = new TreeMap<>();

  /**
   * Folds one event in. It becomes the metric's latest value unless that value is newer; with equal
   * timestamps the later arrival wins (readings stamped at receipt can share a millisecond).
   *
   * @return true if the event became the latest value of its metric
   */
  public boolean apply(Event event) {
    DeviceState device = devices.get(event.deviceId());
    if (device == null) {
      device = new DeviceState(event.tenant(), event.timestamp());
      devices.put(event.deviceId(), device);
    }
    device.firstSeen = Math.min(device.firstSeen, event.timestamp());
    if (event.timestamp() >= device.lastSeen) {
      device.lastSeen = event.timestamp();
      device.tenant = event.tenant();
    }
    Reading current = device.latest.get(event.metric());
    if (current != null && current.timestamp() > event.timestamp()) {
      return false;
    }
    device.latest.put(
        event.metric(),
        new Reading(event.value(), event.timestamp(), event.quality(), event.unit()));
    return true;
  }

  /** Folds every event in, in order; returns how many became the latest value. */
  public int applyAll(List<Event> events) {
    int applied = 0;
    for (Event event : events) {
      if (apply(event)) {
        applied++;
      }
    }
    return applied;
  }

  /** The latest reading of every metric of a device, by metric name; empty if never seen. */
  public SortedMap<String, Reading> latest(String device) {
    DeviceState state = devices.get(device);
    return state == null
        ? Collections.emptySortedMap()
        : Collections.unmodifiableSortedMap(new TreeMap<>(state.latest));
  }

  /** The device ids, sorted. */
  public List<String> deviceIds() {
    return List.copyOf(devices.keySet());
  }

  /** The registry entry of one device, or {@code null} if never seen. */
  public DeviceInfo device(String device) {
    DeviceState state = devices.get(device);
    return state == null ? null : info(device, state);
  }

  /** Every device seen, sorted by device id. */
  public List<DeviceInfo> devices() {
    List<DeviceInfo> all = new ArrayList<>(devices.size());
    for (Map.Entry<String, DeviceState> entry : devices.entrySet()) {
      all.add(info(entry.getKey(), entry.getValue()));
    }
    return all;
  }

  public int deviceCount() {
    return devices.size();
  }

  private static DeviceInfo info(String device, DeviceState state) {
    return new DeviceInfo(
        device, state.tenant, state.firstSeen, state.lastSeen, List.copyOf(state.latest.keySet()));
  }
}
