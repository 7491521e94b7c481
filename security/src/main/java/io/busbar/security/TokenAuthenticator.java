package io.busbar.security;

import io.vertx.core.Future;

/** Validates a bearer token and tells who it belongs to. Safe to call from any event loop. */
@FunctionalInterface
public interface TokenAuthenticator {

  /**
   * Validates {@code token}.
   *
   * @return a future of the token's principal; failed with {@link AuthenticationException} when the
   *     token is missing ({@code null} or empty), malformed, badly signed, expired or not yet valid
   */
  Future<Principal> authenticate(String token);
}
