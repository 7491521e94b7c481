package io.busbar.verticles.mqtt;

import java.util.HashMap;
import java.util.Map;

/**
 * The topic aliases of one MQTT 5 connection, both directions (MQTT 5.0 §3.3.2.3.4). Inbound: the
 * client maps alias numbers up to the broker's maximum to topics. Outbound: the broker gives the
 * first topics it sends an alias each, up to the client's maximum, and afterwards sends only the
 * alias. Aliases live and die with the connection. Not thread-safe: one connection, one context.
 */
final class TopicAliases {

  /** What to put in an outgoing PUBLISH: the topic (maybe empty) and the alias (0 for none). */
  record Outgoing(String topic, int alias) {}

  /** Why an inbound alias was refused: the DISCONNECT reason and a reason string. */
  record Problem(int reasonCode, String reason) {}

  /** The alias of a PUBLISH without a Topic Alias property (0 is a value, and an invalid one). */
  static final int ABSENT = -1;

  private final int inboundMaximum;
  private final int outboundMaximum;
  private final Map<Integer, String> inbound;
  private final Map<String, Integer> outbound;

  TopicAliases(int inboundMaximum, int outboundMaximum) {
    this.inboundMaximum = inboundMaximum;
    this.outboundMaximum = outboundMaximum;
    // a direction without aliases never adds one: no map per connection for it (3.1.1 has none)
    this.inbound = inboundMaximum > 0 ? new HashMap<>() : Map.of();
    this.outbound = outboundMaximum > 0 ? new HashMap<>() : Map.of();
  }

  /**
   * Resolves the topic of an incoming PUBLISH.
   *
   * @param topic the topic name as received, possibly empty
   * @param alias the topic alias property, or {@link #ABSENT} when the PUBLISH has none
   * @return the topic, or a {@link Problem} for a DISCONNECT
   */
  Object resolve(String topic, int alias) {
    if (alias == ABSENT) {
      return topic;
    }
    if (alias == 0) {
      // §3.3.2.3.4 [MQTT-3.3.2-8]: an alias of 0 is not permitted; 0x94 topic alias invalid
      return new Problem(0x94, "topic alias 0 is not permitted");
    }
    if (alias > inboundMaximum) {
      // §3.3.2.3.4: more than the maximum is a protocol error, 0x94 topic alias invalid
      return new Problem(0x94, "topic alias " + alias + " is above the maximum " + inboundMaximum);
    }
    if (topic.isEmpty()) {
      String known = inbound.get(alias);
      if (known == null) {
        return new Problem(0x82, "topic alias " + alias + " was never set");
      }
      return known;
    }
    inbound.put(alias, topic);
    return topic;
  }

  /** Whether outgoing PUBLISHes may carry aliases (the client allowed some, 5.0 §3.1.2.11.8). */
  boolean outgoingEnabled() {
    return outboundMaximum > 0;
  }

  /** The topic and alias to send for {@code topic}. */
  Outgoing outgoing(String topic) {
    Integer alias = outbound.get(topic);
    if (alias != null) {
      return new Outgoing("", alias);
    }
    if (outbound.size() < outboundMaximum) {
      int next = outbound.size() + 1;
      outbound.put(topic, next);
      return new Outgoing(topic, next);
    }
    return new Outgoing(topic, 0);
  }
}
