/**
 * The audit trail: every authentication decision and access denial as an {@link
 * io.busbar.security.audit.AuditEvent}, published as JSON on the event bus. Plain records; {@link
 * io.busbar.security.audit.AuditTrail#record} may be called from any thread.
 */
package io.busbar.security.audit;
