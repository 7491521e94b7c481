/**
 * TLS for the listeners: {@link io.busbar.security.tls.TlsConfig} (PEM files, TLS 1.2/1.3 only,
 * optional client certificates) turned into Vert.x server options by {@link
 * io.busbar.security.tls.TlsOptions}, with OpenSSL when available. Pure configuration code, run at
 * start-up or on a certificate reload.
 */
package io.busbar.security.tls;
