/**
 * JSON Web Tokens. The node's development issuer ({@link io.busbar.security.jwt.DevelopmentIssuer},
 * ES256, minted and verified with vertx-auth-jwt) and the production path: per-issuer {@link
 * io.busbar.security.jwt.IssuerConfig}s with static keys or a JWKS URL ({@link
 * io.busbar.security.jwt.JwksKeySource}), verified by {@link
 * io.busbar.security.jwt.MultiIssuerAuthenticator} with the JDK's RS256, PS256, ES256 and EdDSA
 * ({@link io.busbar.security.jwt.JwsAlgorithm}; never {@code none} nor HMAC).
 *
 * <p>Threads: {@code DevelopmentIssuer.loadOrCreate} does blocking file I/O and runs at start-up or
 * on a worker; token validation is non-blocking CPU work on the caller's thread, and its futures
 * complete on the caller's context (also after a JWKS fetch, whose HTTP I/O runs on the key
 * source's own event-loop context).
 */
package io.busbar.security.jwt;
