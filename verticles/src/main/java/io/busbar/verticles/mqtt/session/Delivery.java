package io.busbar.verticles.mqtt.session;

import java.util.List;

/**
 * A message addressed to one session: the QoS it goes out with (the minimum of publish and
 * granted QoS, MQTT §3.8.4) and the RETAIN flag and subscription identifiers for this receiver.
 */
public record Delivery(Message message, int qos, boolean retain, List<Integer> subscriptionIds) {

  public Delivery {
    subscriptionIds = List.copyOf(subscriptionIds);
  }
}
