package io.busbar.security.acl;

/** What a backend user or application may do over REST, {@code /ws} and the event-bus bridge. */
public enum Permission {
  /** Read state, history, devices, dead letters; watch the live stream. */
  READ,
  /** Send commands to devices. */
  COMMAND,
  /** Change configuration: decoders, alarms, ACL templates. */
  CONFIGURE,
  /** Manage issuers, revocations, users; read the audit trail. */
  ADMINISTER
}
