package io.busbar.verticles.mqtt;

/**
 * Settings of the MQTT listener, validated when built.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1}
 * @param port the TCP port; 0 binds an ephemeral port (see {@link MqttBrokerVerticle#actualPort()})
 * @param maxMessageSize the largest MQTT packet accepted, in bytes; larger ones close the
 *     connection (MQTT 5.0: DISCONNECT 0x95)
 * @param allowAnonymous whether clients without a token connect as tenant {@code public}
 */
public record MqttConfig(String host, int port, int maxMessageSize, boolean allowAnonymous) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 1883;
  /** 1 MiB: generous for telemetry, small enough that one client cannot exhaust the heap. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;
  /** MQTT §2.2.3: the largest remaining length is 268,435,455 bytes. */
  public static final int MAX_MESSAGE_SIZE_LIMIT = 268_435_455;
  public static final boolean DEFAULT_ALLOW_ANONYMOUS = false;

  public MqttConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("mqtt.host must not be empty, was '" + host + "'");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("mqtt.port must be 0..65535, was " + port);
    }
    if (maxMessageSize < 64 || maxMessageSize > MAX_MESSAGE_SIZE_LIMIT) {
      throw new IllegalArgumentException(
          "mqtt.maxMessageSize must be 64.." + MAX_MESSAGE_SIZE_LIMIT + ", was " + maxMessageSize);
    }
  }

  /** The defaults: 127.0.0.1:1883, 1 MiB packets, no anonymous access. */
  public static MqttConfig defaults() {
    return new MqttConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_ALLOW_ANONYMOUS);
  }
}
