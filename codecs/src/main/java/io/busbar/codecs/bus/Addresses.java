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
   * Request: JsonObject {@code {device, tenant?, metric?, from?, to?, limit?, bucket?, agg?,
   * latest?, cursor?}} (times in epoch ms, {@code to} excluded); reply: JsonArray, oldest first, of
   * {@code {metric, ts, value, quality, unit}} (raw or {@code latest=true}) or {@code {metric, ts,
   * value}} per bucket ({@code bucket} one of 1s 10s 30s 1m 5m 10m 15m 30m 1h 6h 12h 1d, {@code
   * agg} one of avg min max last count, default avg; ts is the bucket start). A page holds the
   * latest {@code limit} rows of the window; when more may exist the reply carries header {@link
   * #NEXT_CURSOR_HEADER}, to be sent back as {@code cursor} for the next (older) page.
   */
  public static final String STORAGE_TELEMETRY_QUERY = "busbar.storage.telemetry.query";

  /** Reply header of {@link #STORAGE_TELEMETRY_QUERY}: the opaque cursor of the next older page. */
  public static final String NEXT_CURSOR_HEADER = "busbar-next-cursor";

  /**
   * Request (send, local only): {@link io.busbar.codecs.model.EventBatch} to store; the reply, a
   * JsonObject {@code {accepted, committed, storage}}, is the durable acknowledgement the MQTT
   * broker waits for before a QoS 1 PUBACK. It comes once the whole batch is in the storage queue
   * (held in memory: survives nothing but a clean stop), or, with {@code ackOnCommit}, once it is
   * committed to the database file (survives kill -9). Fails with 503 "storage queue full" (nothing
   * of the batch taken: retry later, delay the PUBACK), 413 if the batch is larger than the whole
   * queue, 400 if the body is not an EventBatch, 500 if the write failed. A sender that also
   * publishes the batch on {@link #EVENTS} sets header {@link #STORED_BY_HEADER} to the reply's
   * {@code storage}, so that storage instance does not store it twice.
   */
  public static final String STORAGE_INGEST = "busbar.storage.ingest";

  /** Header on {@link #EVENTS}: the id of the storage instance that already took the batch. */
  public static final String STORED_BY_HEADER = "busbar-stored-by";

  /**
   * Request (send, local only: the file is written on the answering node): JsonObject {@code
   * {device?, tenant?, from, to, path}} (epoch ms, {@code to} excluded; {@code path} absolute, on
   * this node, overwritten); reply: JsonObject {@code {path, rows, bytes}} once the readings of the
   * window are written there as Parquet. Must never be exposed on the event-bus bridge.
   */
  public static final String STORAGE_EXPORT = "busbar.storage.export";

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
   * Request: JsonObject {@code {device, tenant?, name, params, correlationId, timeoutMs?}}, a
   * command for a device (e.g. from the Kafka command topic or REST); reply: the device's response
   * as a JsonObject (or {@code {}} for a plain acknowledgement). Failures come back as a {@link
   * io.vertx.core.eventbus.ReplyException}: no consumer, timeout, or a recipient failure with a
   * code and reason: 400 bad request, 404 device not connected, 409 correlation id already waiting,
   * 503 busy, 504 no response in time. The command verticle registers the consumer and publishes
   * {@code {correlationId, params}} to {@code devices/{device}/commands/{name}} (QoS 1, MQTT 5
   * response topic {@code devices/{device}/commands/{name}/response}, correlation data = the
   * correlation id); the device answers there, with the correlation data or, over MQTT 3.1.1, a
   * {@code correlationId} member in its JSON response.
   */
  public static final String COMMANDS = "busbar.commands";

  /**
   * Request: empty JsonObject; reply: JsonObject {@code {cluster, self, members: [{node, clients,
   * messagesIn, messagesInPerSecond, uptimeMs, reachable}]}} — every node of the cluster (only this
   * one when not clustered). Answered by the hub on each node.
   */
  public static final String CLUSTER_QUERY = "busbar.cluster.query";

  /**
   * Published: JsonObject of an {@code io.busbar.security.audit.AuditEvent} ({@code
   * AuditEvent.toJson}): every authentication decision and access denial, for storage, metrics and
   * the REST API.
   */
  public static final String AUDIT = "busbar.audit";

  /**
   * Published, local: JsonArray of the {@link #AUDIT} events one event-loop turn recorded, handed
   * to this node's store in one message (a connection storm records one event per CONNECT; one
   * message each cost a third of a CONNECT's CPU). Only {@code AuditTrail} publishes here.
   */
  public static final String AUDIT_STORE = AUDIT + ".store";

  /**
   * Request: empty JsonObject; reply: JsonArray of {@code {id, online, since, reason}}: every
   * Sparkplug B edge node ({@code group:edge}) and device ({@code group:edge:device}) this node's
   * host application has seen, with its online state since its last birth or death.
   */
  public static final String SPARKPLUG_NODES_QUERY = "busbar.sparkplug.nodes.query";

  /**
   * Request (send, local only: answered by this node's MQTT broker): JsonObject {@code {tenant?,
   * topic, payload? (base64) | payloadText?, qos?, retain?, responseTopic?, correlationData?
   * (base64), contentType?, userProperties? ({name: value}), messageExpiry? (s)}}, a message
   * published into the broker as the system (no ACL; {@code tenant} defaults to {@code default});
   * reply: JsonObject {@code {delivered}}, the number of sessions it was handed to, once it is
   * routed (and a retained message is durable). Fails with 400 naming a bad field.
   */
  public static final String MQTT_PUBLISH = "busbar.mqtt.publish";

  /**
   * Request (send, local only): JsonObject {@code {tenant?, filter, address, retained?}}; reply
   * {@code {subscribed}}. From then on this node's broker sends every matching PUBLISH of the
   * tenant (and, unless {@code retained=false}, the retained messages matching at subscribe time)
   * to {@code address} as a JsonObject {@code {tenant, topic, payload (base64), payloadText? (when
   * UTF-8), qos, retain, responseTopic?, correlationData? (base64), contentType?, userProperties?,
   * messageExpiry?}}, until {@link #MQTT_UNSUBSCRIBE}. Fails with 400 naming a bad field.
   */
  public static final String MQTT_SUBSCRIBE = "busbar.mqtt.subscribe";

  /**
   * Request (send, local only): JsonObject {@code {tenant?, filter, address}}; reply {@code
   * {unsubscribed: true|false}} (whether that subscription existed).
   */
  public static final String MQTT_UNSUBSCRIBE = "busbar.mqtt.unsubscribe";

  /**
   * Send (local only, no reply): JsonObject {@code {tenant, device, topic, payload (base64),
   * contentType?, subject?, roles? ([..]), attributes? ({name: value})}}, readings a device wrote
   * over HTTP that the store has already taken and {@link #EVENTS} already carries. This node's
   * MQTT broker routes the payload to matching subscribers as a QoS 1 PUBLISH by that device (MQTT
   * 5 content type as sent, retain false), in its tenant only and only if the ACL lets the device
   * ({@code subject}, {@code roles}, {@code attributes} when the device posted itself; anonymous
   * when no {@code subject}; a plain device when an app posted for it) publish on {@code topic};
   * its cluster routing forwards it to other nodes' subscribers. It is never decoded again (no
   * second {@link #EVENTS} batch, no second store). Without a broker on the node the message is
   * dropped.
   */
  public static final String MQTT_INGESTED = "busbar.mqtt.ingested";

  /**
   * Request: JsonObject {@code {limit?, subject?, tenant?}}; reply: JsonArray of audit events
   * ({@code AuditEvent.toJson}), newest first, as stored by this node.
   */
  public static final String STORAGE_AUDIT_QUERY = "busbar.storage.audit.query";

  /**
   * Published: JsonObject of an {@code io.busbar.security.revocation.Revocation} ({@code
   * Revocation.toJson}): a token or device that is no longer trusted. Every node applies it to its
   * revocation list, which refuses the principal from then on and closes its live connections.
   */
  public static final String REVOCATIONS = "busbar.security.revocations";

  private Addresses() {}
}
