package io.busbar.verticles.mqtt.session;

/**
 * One subscription of one session, with its MQTT 5 options (MQTT 5.0 §3.8.3.1). For 3.1.1 clients
 * the options take their 3.1.1 meaning: local messages delivered, RETAIN cleared on live
 * deliveries, retained messages sent on every subscribe.
 *
 * @param filter the topic filter as subscribed, including a {@code $share/{group}/} prefix
 * @param qos the granted maximum QoS
 * @param noLocal do not deliver messages this session published itself
 * @param retainAsPublished keep the RETAIN flag of live deliveries as published
 * @param retainHandling 0 send retained on subscribe, 1 only if new, 2 never
 * @param subscriptionId the MQTT 5 subscription identifier, or 0 for none
 */
public record Subscription(
    String filter,
    int qos,
    boolean noLocal,
    boolean retainAsPublished,
    int retainHandling,
    int subscriptionId) {

  /** A 3.1.1-style subscription with default options. */
  public static Subscription of(String filter, int qos) {
    return new Subscription(filter, qos, false, false, 0, 0);
  }
}
