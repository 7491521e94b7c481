/**
 * JSON Web Tokens: the node's development signing key ({@link
 * io.busbar.security.jwt.DevelopmentIssuer}), minting device and application tokens with it, and
 * validating them into a {@link io.busbar.security.Principal}. Signing and verification are done by
 * vertx-auth-jwt; this package chooses the algorithm (ES256 only), the claims and the refusal
 * reasons.
 *
 * <p>Threads: {@code DevelopmentIssuer.loadOrCreate} does blocking file I/O and runs at start-up or
 * on a worker; everything else is non-blocking CPU work (one ECDSA operation per call) that runs on
 * the caller's thread, and the futures it returns are already complete, so their callbacks run on
 * the caller's context.
 */
package io.busbar.security.jwt;
