package io.busbar.security.acl;

/** What a backend user or application may do over REST, {@code /ws} and the event-bus bridge. */
public enum Permission {
  /** Read state, history, devices, dead letters; watch the live stream. */
  READ,
  /** Send commands to devices. */
  COMMAND,
  /**
   * Write readings on behalf of any device of the tenant ({@code POST
   * /api/v1/devices/{id}/telemetry}), as a backend app may publish on any device's topic over MQTT.
   * A device needs no role to write its own readings (see {@link BackendAccess#decideIngest}).
   */
  INGEST,
  /** Change configuration: decoders, alarms, ACL templates. */
  CONFIGURE,
  /** Manage issuers, revocations, users; read the audit trail. */
  ADMINISTER
}
