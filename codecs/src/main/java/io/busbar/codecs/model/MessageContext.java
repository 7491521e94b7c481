package io.busbar.codecs.model;

/**
 * Who sent a payload, where and when: what a decoder needs besides the bytes.
 *
 * @param tenant the sender's tenant
 * @param deviceId the device the topic names (for telemetry topics, the token's {@code sub})
 * @param topic the topic the payload came in on
 * @param receivedAt milliseconds since the epoch at receipt, used when the payload has no time
 * @param contentType the MQTT 5 content type, or {@code null}
 */
public record MessageContext(
    String tenant, String deviceId, String topic, long receivedAt, String contentType) {}
