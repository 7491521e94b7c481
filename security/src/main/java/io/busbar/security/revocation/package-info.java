/**
 * Revocation: the deny list of token ids and devices, checked at authentication and pushed to
 * listeners that close live connections. Thread-safe plain Java; listeners run on the thread that
 * revokes.
 */
package io.busbar.security.revocation;
