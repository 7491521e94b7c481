package io.busbar.codecs.model;

import java.util.Objects;

/**
 * The canonical, immutable reading every decoder produces: one metric of one device at one instant.
 *
 * @param tenant the tenant that owns the device (from the device's token)
 * @param deviceId the device id (the token's {@code sub})
 * @param metric the metric name, e.g. {@code temperature} or a Sparkplug name with {@code /}
 *     folders
 * @param timestamp milliseconds since the epoch, as stamped by the device or at receipt
 * @param value the typed value
 * @param quality how far the value can be trusted
 * @param unit the engineering unit, or {@code null} when unknown
 * @param sourceTopic the MQTT topic (or HTTP path) the reading came in on
 */
public record Event(
    String tenant,
    String deviceId,
    String metric,
    long timestamp,
    Value value,
    Quality quality,
    String unit,
    String sourceTopic) {

  public Event {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(quality, "quality");
    Objects.requireNonNull(sourceTopic, "sourceTopic");
  }
}
