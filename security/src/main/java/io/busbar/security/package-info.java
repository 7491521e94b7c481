/**
 * Security: who a device or application is ({@link io.busbar.security.Principal}, proven by a JWT,
 * see {@code jwt}), what it may do ({@code acl}), what is no longer trusted ({@code revocation}),
 * how fast it may go ({@code ratelimit}), what was decided ({@code audit}) and how the wire is
 * encrypted ({@code tls}). Plain Java; futures complete on the caller's context.
 */
package io.busbar.security;
