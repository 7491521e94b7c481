package io.busbar.verticles.http;

import io.busbar.security.tls.CertificateIdentity;
import io.busbar.security.tls.TlsConfig;
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
 * @param mqttUpstreamHost the host of the broker's own MQTT over WebSocket listener that {@code
 *     /mqtt} relays to (normally loopback)
 * @param mqttUpstreamPort that listener's port; -1 turns {@code /mqtt} off
 * @param maxWebSocketFrameSize the largest WebSocket frame accepted, in bytes (an MQTT client
 *     usually sends one packet per frame, so at least the broker's largest packet)
 * @param tlsPort the port of a second listener serving the same routes over TLS (HTTPS and {@code
 *     wss://}), {@code 0} for any free port (read it back with {@link
 *     HttpVerticle#actualTlsPort()}), -1 off
 * @param tls that listener's certificate, key and protocols (TLS 1.2/1.3 only); {@code null} when
 *     {@code tlsPort} is -1
 * @param tlsIdentity what proves a device's identity on that listener ({@code
 *     http.tls-device-auth}): the Bearer token, the client certificate, either or both; applied
 *     where {@link #requireAuth()} asks for authentication
 */
public record HttpConfig(
    String host,
    int port,
    String nodeId,
    boolean requireAuth,
    String mqttUpstreamHost,
    int mqttUpstreamPort,
    int maxWebSocketFrameSize,
    int tlsPort,
    TlsConfig tls,
    CertificateIdentity tlsIdentity) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final String DEFAULT_NODE_ID = "node-1";

  /** {@code /mqtt} is off until the hub names the broker's WebSocket listener. */
  public static final int DEFAULT_MQTT_UPSTREAM_PORT = -1;

  /** Vert.x's own default (64 KiB). */
  public static final int DEFAULT_MAX_WEBSOCKET_FRAME_SIZE = 65_536;

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException naming the key and the bad value
   */
  public HttpConfig {
    Objects.requireNonNull(host, "http.host");
    Objects.requireNonNull(nodeId, "http.nodeId");
    Objects.requireNonNull(mqttUpstreamHost, "http.mqttUpstreamHost");
    tlsIdentity = tlsIdentity == null ? CertificateIdentity.tokensOnly() : tlsIdentity;
    if (host.isBlank()) {
      throw new IllegalArgumentException("http.host must not be blank");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("http.port must be 0..65535, was " + port);
    }
    if (nodeId.isBlank()) {
      throw new IllegalArgumentException("http.nodeId must not be blank");
    }
    if (mqttUpstreamPort != -1 && (mqttUpstreamPort < 1 || mqttUpstreamPort > 65535)) {
      throw new IllegalArgumentException(
          "http.mqttUpstreamPort must be -1 (off) or 1..65535, was " + mqttUpstreamPort);
    }
    if (maxWebSocketFrameSize < 1024) {
      throw new IllegalArgumentException(
          "http.maxWebSocketFrameSize must be at least 1024, was " + maxWebSocketFrameSize);
    }
    if (tlsPort < -1 || tlsPort > 65535) {
      throw new IllegalArgumentException(
          "http.tlsPort must be -1 (off) or 0..65535, was " + tlsPort);
    }
    if (tlsPort >= 0 && tls == null) {
      throw new IllegalArgumentException(
          "http.tlsPort " + tlsPort + " needs a certificate and key");
    }
  }

  /** Tokens only on the TLS listener. */
  public HttpConfig(
      String host,
      int port,
      String nodeId,
      boolean requireAuth,
      String mqttUpstreamHost,
      int mqttUpstreamPort,
      int maxWebSocketFrameSize,
      int tlsPort,
      TlsConfig tls) {
    this(
        host,
        port,
        nodeId,
        requireAuth,
        mqttUpstreamHost,
        mqttUpstreamPort,
        maxWebSocketFrameSize,
        tlsPort,
        tls,
        CertificateIdentity.tokensOnly());
  }

  /** Without {@code /mqtt}. */
  public HttpConfig(String host, int port, String nodeId, boolean requireAuth) {
    this(
        host,
        port,
        nodeId,
        requireAuth,
        DEFAULT_HOST,
        DEFAULT_MQTT_UPSTREAM_PORT,
        DEFAULT_MAX_WEBSOCKET_FRAME_SIZE,
        -1,
        null);
  }

  /** Without authentication ({@code requireAuth} false). */
  public HttpConfig(String host, int port, String nodeId) {
    this(host, port, nodeId, false);
  }

  /** Returns the defaults: {@code 127.0.0.1:8080}, node {@code node-1}, no authentication. */
  public static HttpConfig defaults() {
    return new HttpConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_NODE_ID);
  }

  /**
   * Returns a copy that relays MQTT over WebSocket at {@code /mqtt} to the broker's listener at
   * {@code host:port}, accepting frames up to {@code maxFrameSize} bytes.
   */
  public HttpConfig withMqttUpstream(String host, int port, int maxFrameSize) {
    return new HttpConfig(
        this.host,
        this.port,
        nodeId,
        requireAuth,
        host,
        port,
        maxFrameSize,
        tlsPort,
        tls,
        tlsIdentity);
  }

  /**
   * Returns a copy that also serves every route over TLS on {@code port} (0: any free port).
   *
   * @throws IllegalArgumentException when the port is out of range
   */
  public HttpConfig withTls(int port, TlsConfig tls) {
    Objects.requireNonNull(tls, "http.tls");
    return new HttpConfig(
        host,
        this.port,
        nodeId,
        requireAuth,
        mqttUpstreamHost,
        mqttUpstreamPort,
        maxWebSocketFrameSize,
        port,
        tls,
        tlsIdentity);
  }

  /**
   * Returns a copy whose TLS listener identifies devices as {@code identity} says; a policy other
   * than {@code jwt} needs the listener to ask for client certificates ({@link
   * TlsConfig#withClientAuth}).
   */
  public HttpConfig withTlsIdentity(CertificateIdentity identity) {
    return new HttpConfig(
        host,
        port,
        nodeId,
        requireAuth,
        mqttUpstreamHost,
        mqttUpstreamPort,
        maxWebSocketFrameSize,
        tlsPort,
        tls,
        identity);
  }

  /** Whether {@code /mqtt} is served. */
  public boolean mqttOverWebSocket() {
    return mqttUpstreamPort > 0;
  }
}
