package io.busbar.codecs.bus;

/**
 * Event-bus addresses: the contract between verticles, which never import each other. Every address
 * works the same on one node and across a cluster.
 */
public final class Addresses {

  /** Published: {@link io.busbar.codecs.model.EventBatch}, the events decoded from one message. */
  public static final String EVENTS = "busbar.events";

  /** Published: {@link io.busbar.codecs.model.DeadLetter}, a message that could not be decoded. */
  public static final String DEAD_LETTERS = "busbar.deadletters";

  /**
   * Request: JsonObject {@code {device, metric?, from?, to?, limit?}} (times in epoch ms); reply:
   * JsonArray of {@code {metric, ts, value, quality, unit}}, oldest first.
   */
  public static final String STORAGE_TELEMETRY_QUERY = "busbar.storage.telemetry.query";

  /** Request: JsonObject {@code {limit?}}; reply: JsonArray of dead letters, newest first. */
  public static final String STORAGE_DEAD_LETTERS_QUERY = "busbar.storage.deadletters.query";

  /**
   * Request: JsonObject {@code {device?}}; reply: JsonObject {@code {deviceId: {metric: {value, ts,
   * quality, unit}}}} of the latest value of every metric.
   */
  public static final String STATE_QUERY = "busbar.analytics.state.query";

  /**
   * Request: empty JsonObject; reply: JsonArray of {@code {device, tenant, firstSeen, lastSeen,
   * metrics}}.
   */
  public static final String DEVICES_QUERY = "busbar.analytics.devices.query";

  /**
   * Published: JsonObject of an {@code io.busbar.security.audit.AuditEvent} ({@code
   * AuditEvent.toJson}): every authentication decision and access denial, for storage, metrics and
   * the REST API.
   */
  public static final String AUDIT = "busbar.audit";

  private Addresses() {}
}
