package io.busbar.verticles.mqtt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The keep-alive of every connection on one periodic tick instead of a timer per connection (MQTT
 * 3.1.1 §3.1.2.10, 5.0 §3.1.2.10: a client silent for 1.5 × its keep alive is disconnected), and
 * the time a new connection has to send its CONNECT. A read only stores the tick's clock in the
 * endpoint; each tick closes the endpoints silent past their limit, so a connection may live up to
 * one {@link #TICK_MILLIS} beyond it. Runs on the broker's event loop (not thread-safe).
 */
final class IdleSweep {

  /** How often the connections are checked. */
  static final long TICK_MILLIS = 500;

  private final Set<MqttEndpoint> endpoints = Collections.newSetFromMap(new IdentityHashMap<>());
  private final long connectTimeoutMillis;
  private long now = System.currentTimeMillis();

  /**
   * @param connectTimeoutMillis how long a new connection may take to send its CONNECT (and have it
   *     answered)
   */
  IdleSweep(long connectTimeoutMillis) {
    if (connectTimeoutMillis <= 0) {
      throw new IllegalArgumentException(
          "connectTimeoutMillis must be positive, was " + connectTimeoutMillis);
    }
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  /** How long a new connection may take to send its CONNECT. */
  long connectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  /** The clock of the last tick (ms). */
  long now() {
    return now;
  }

  void add(MqttEndpoint endpoint) {
    endpoints.add(endpoint);
  }

  void remove(MqttEndpoint endpoint) {
    endpoints.remove(endpoint);
  }

  /** Called every {@link #TICK_MILLIS}: ends the endpoints silent past their limit. */
  void tick(long nowMillis) {
    now = nowMillis;
    List<MqttEndpoint> idle = null;
    for (MqttEndpoint e : endpoints) {
      if (e.idleLimit != Long.MAX_VALUE && nowMillis - e.lastRead > e.idleLimit) {
        if (idle == null) {
          idle = new ArrayList<>();
        }
        idle.add(e);
      }
    }
    if (idle != null) {
      for (MqttEndpoint e : idle) {
        endpoints.remove(e); // ended once; the close removes it too
        e.idle();
      }
    }
  }

  /** Closes every connection still open (the broker is stopping). */
  void closeAll() {
    for (MqttEndpoint e : new ArrayList<>(endpoints)) {
      e.close();
    }
  }
}
