/**
 * Rate limits as token buckets: messages and bytes per device, connects per source address ({@link
 * io.busbar.security.ratelimit.RateLimiter}), and the guard of the authentication path against
 * floods of bad tokens ({@link io.busbar.security.ratelimit.AuthGuard}). Plain Java, thread-safe,
 * O(1) and non-blocking per call, fit to run on the broker's event loops; the clock is a nano-time
 * supplier so tests are deterministic.
 */
package io.busbar.security.ratelimit;
