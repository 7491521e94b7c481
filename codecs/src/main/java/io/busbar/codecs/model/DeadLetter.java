package io.busbar.codecs.model;

import java.util.Objects;

/**
 * A message that could not be turned into events, kept with the reason so nothing is lost silently.
 *
 * @param tenant the sender's tenant
 * @param deviceId the sender's device id
 * @param topic the topic the message came in on
 * @param reason why it was rejected: which field, which offset
 * @param payload the original payload bytes
 * @param receivedAt milliseconds since the epoch at receipt
 */
public record DeadLetter(
    String tenant, String deviceId, String topic, String reason, byte[] payload, long receivedAt) {

  public DeadLetter {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(reason, "reason");
    payload = payload == null ? new byte[0] : payload;
  }
}
