/**
 * TLS for the listeners and the cluster event bus: {@link io.busbar.security.tls.TlsConfig} (PEM
 * files, TLS 1.2/1.3 only, optional client certificates, engine auto|openssl|jdk, reload interval)
 * turned into Vert.x options by {@link io.busbar.security.tls.TlsOptions}, with OpenSSL
 * (netty-tcnative) when available; {@link io.busbar.security.tls.TlsListener} reports the engine in
 * use and reloads changed certificates into a live server; {@link
 * io.busbar.security.tls.CertificateIdentity} maps a verified client certificate to a device under
 * a {@link io.busbar.security.tls.DeviceAuthPolicy}.
 *
 * <p>Threads: options and identity decisions are pure code run on the caller's thread (start-up, a
 * broker event loop); a {@code TlsListener}'s timer and reload run on its verticle's context, its
 * file hashing on a worker.
 */
package io.busbar.security.tls;
