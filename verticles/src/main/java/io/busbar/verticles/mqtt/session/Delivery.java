package io.busbar.verticles.mqtt.session;

import java.util.List;

/**
 * A message addressed to one session: the QoS it goes out with (the minimum of publish and granted
 * QoS, MQTT §3.8.4) and the RETAIN flag and subscription identifiers for this receiver.
 *
 * @param sharedFilter the {@code $share/{group}/{filter}} it was chosen through, or {@code null}:
 *     such a delivery goes to another member if this one leaves before acknowledging it
 */
public record Delivery(
    Message message, int qos, boolean retain, List<Integer> subscriptionIds, String sharedFilter) {

  public Delivery {
    subscriptionIds = List.copyOf(subscriptionIds);
  }

  public Delivery(Message message, int qos, boolean retain, List<Integer> subscriptionIds) {
    this(message, qos, retain, subscriptionIds, null);
  }
}
