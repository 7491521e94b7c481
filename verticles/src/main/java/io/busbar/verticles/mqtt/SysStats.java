package io.busbar.verticles.mqtt;

import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.Session;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Publishes broker statistics as retained QoS 0 messages under {@code $SYS/broker/…} (the Mosquitto
 * convention), into every tenant that has a session. The figures are node-wide, so a tenant sees
 * totals, not other tenants' topics. {@code $SYS} topics are not matched by {@code #} or {@code
 * +/…} (MQTT §4.7.2), so only clients that subscribe to {@code $SYS/…} get them.
 */
final class SysStats {

  static final String PUBLISHER_ID = "$SYS";

  private final Broker broker;
  private final long startedAt = System.currentTimeMillis();

  SysStats(Broker broker) {
    this.broker = broker;
  }

  Map<String, String> figures() {
    BrokerMetrics m = broker.metrics();
    Map<String, String> f = new LinkedHashMap<>();
    f.put("$SYS/broker/clients/connected", Integer.toString(m.clientsConnected.get()));
    f.put("$SYS/broker/sessions/count", Integer.toString(broker.sessions().size()));
    f.put(
        "$SYS/broker/subscriptions/count",
        Integer.toString(broker.postOffice().subscriptionCount()));
    f.put(
        "$SYS/broker/retained messages/count",
        Integer.toString(broker.postOffice().retained().size()));
    f.put("$SYS/broker/messages/received", Long.toString((long) m.messagesIn.count()));
    f.put("$SYS/broker/messages/sent", Long.toString((long) m.messagesOut.count()));
    f.put("$SYS/broker/bytes/received", Long.toString((long) m.bytesIn.count()));
    f.put("$SYS/broker/bytes/sent", Long.toString((long) m.bytesOut.count()));
    f.put("$SYS/broker/uptime", ((System.currentTimeMillis() - startedAt) / 1000) + " seconds");
    return f;
  }

  /** Publishes the current figures into each tenant with a session. */
  void publish() {
    Set<String> tenants = new LinkedHashSet<>();
    for (Session s : broker.sessions().all()) {
      tenants.add(s.tenant());
    }
    Map<String, String> f = figures();
    for (String tenant : tenants) {
      for (Map.Entry<String, String> e : f.entrySet()) {
        broker
            .postOffice()
            .publish(
                new Message(
                    tenant,
                    e.getKey(),
                    Buffer.buffer(e.getValue()),
                    0,
                    true,
                    MqttProperties.NO_PROPERTIES,
                    PUBLISHER_ID,
                    Long.MAX_VALUE));
      }
    }
  }
}
