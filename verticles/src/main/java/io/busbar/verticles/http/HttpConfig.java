package io.busbar.verticles.http;

import java.util.Objects;

/**
 * Where the HTTP side listens and how it names its node.
 *
 * @param host the interface to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
 * @param port the TCP port, {@code 0} for any free port (read it back with {@link
 *     HttpVerticle#actualPort()})
 * @param nodeId this node's id, reported by {@code /health}
 * @param requireAuth whether {@code /api/v1/**} and {@code /ws} need a Bearer token (RFC 6750); off
 *     by default until the hub switches it on
 */
public record HttpConfig(String host, int port, String nodeId, boolean requireAuth) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final String DEFAULT_NODE_ID = "node-1";

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException naming the key and the bad value
   */
  public HttpConfig {
    Objects.requireNonNull(host, "http.host");
    Objects.requireNonNull(nodeId, "http.nodeId");
    if (host.isBlank()) {
      throw new IllegalArgumentException("http.host must not be blank");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http.port must be 0..65535, was " + port);
    }
    if (nodeId.isBlank()) {
      throw new IllegalArgumentException("http.nodeId must not be blank");
    }
  }

  /** Without authentication ({@code requireAuth} false). */
  public HttpConfig(String host, int port, String nodeId) {
    this(host, port, nodeId, false);
  }

  /** Returns the defaults: {@code 127.0.0.1:8080}, node {@code node-1}, no authentication. */
  public static HttpConfig defaults() {
    return new HttpConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_NODE_ID);
  }
}
