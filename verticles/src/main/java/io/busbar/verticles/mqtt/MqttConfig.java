package io.busbar.verticles.mqtt;

import io.busbar.verticles.mqtt.session.QueuePolicy;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Settings of the MQTT listener and its sessions, validated when built; each error names the key.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1}
 * @param port the TCP port; 0 binds an ephemeral port (see {@link MqttBrokerVerticle#actualPort()})
 * @param maxMessageSize the largest MQTT packet accepted, in bytes; a larger one closes the
 *     connection (MQTT 5.0: DISCONNECT 0x95 packet too large)
 * @param allowAnonymous whether clients without a token connect, as tenant {@code public}
 * @param maxQueuedMessages the most QoS 1/2 messages one session queues while its client is away or
 *     its in-flight window is full
 * @param queuePolicy what a full session queue drops (counted in {@code busbar.mqtt.queue.dropped})
 * @param maxSessionExpirySeconds cap on the session expiry interval a client asks for (MQTT 5.0
 *     §3.2.2.3.2), also the expiry of 3.1.1 non-clean sessions
 * @param sysIntervalSeconds how often {@code $SYS/broker/…} statistics are published; 0 turns them
 *     off
 * @param topicAliasMaximum how many topic aliases a 5.0 client may set per connection (MQTT 5.0
 *     §3.2.2.3.8); 0 turns inbound aliases off
 * @param maxConnections the most connections at once; more are refused (3.1.1 0x03 server
 *     unavailable, 5.0 0x97 quota exceeded)
 * @param maxTopicLength the longest topic name or filter, in UTF-8 bytes (at most 65,535)
 * @param maxTopicLevels the most levels a topic name or filter may have
 * @param webSocketPort port of a second listener speaking MQTT over WebSocket at {@code /mqtt}
 *     (sub-protocol {@code mqtt}); 0 binds an ephemeral port, -1 turns it off
 * @param maxQueuedBytes the bytes all session queues together may hold; beyond it the queue policy
 *     applies
 * @param maxConnectsPerSecond CONNECTs accepted per second (a token bucket with a burst of one
 *     second's worth); more are refused (5.0 0x9F, 3.1.1 0x03); 0 means no limit
 * @param maxConnectionBacklogBytes bytes of PUBLISH packets written to one connection but not yet
 *     taken by the network; above it the connection is a slow subscriber: QoS 0 messages to it are
 *     dropped (counted) and QoS 1/2 messages wait in its session queue
 * @param maxRetainedMessages the most retained messages kept, all tenants; a retained message on a
 *     new topic beyond it is delivered but not kept (counted)
 * @param tokenCacheSeconds how long a verified token is remembered (by its hash, never past its
 *     {@code exp}) so reconnects skip the signature check; 0 turns the cache off. A token revoked
 *     meanwhile is still accepted for up to this long.
 * @param dataDir where durable broker state (retained messages) is kept, or {@code null} to keep it
 *     in memory only
 * @param serverKeepAliveSeconds the longest keep alive a 5.0 client may use (MQTT 5.0 §3.2.2.3.14):
 *     a client asking for more, or for 0 (none), is told this value as Server Keep Alive and held
 *     to it (1.5×); 0 accepts the client's value. 3.1.1 clients keep their own value.
 * @param receiveMaximum the QoS 1/2 PUBLISHes a 5.0 client may have unacknowledged (Receive Maximum
 *     in the CONNACK); one more ends the connection with DISCONNECT 0x93
 * @param connectTimeoutSeconds how long a new connection may take to send its CONNECT; then it is
 *     closed
 */
public record MqttConfig(
    String host,
    int port,
    int maxMessageSize,
    boolean allowAnonymous,
    int maxQueuedMessages,
    QueuePolicy queuePolicy,
    long maxSessionExpirySeconds,
    int sysIntervalSeconds,
    int topicAliasMaximum,
    int maxConnections,
    int maxTopicLength,
    int maxTopicLevels,
    int webSocketPort,
    long maxQueuedBytes,
    int maxConnectsPerSecond,
    long maxConnectionBacklogBytes,
    int maxRetainedMessages,
    int tokenCacheSeconds,
    Path dataDir,
    int serverKeepAliveSeconds,
    int receiveMaximum,
    int connectTimeoutSeconds) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 1883;

  /** 1 MiB: generous for telemetry, small enough that one client cannot exhaust the heap. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

  /** MQTT §2.2.3: the largest remaining length is 268,435,455 bytes. */
  public static final int MAX_MESSAGE_SIZE_LIMIT = 268_435_455;

  public static final boolean DEFAULT_ALLOW_ANONYMOUS = false;
  public static final int DEFAULT_MAX_QUEUED_MESSAGES = 1000;
  public static final QueuePolicy DEFAULT_QUEUE_POLICY = QueuePolicy.DROP_OLDEST;

  /** One day; 5.0 §3.1.2.11.2's 0xFFFFFFFF ("never") is capped to this. */
  public static final long DEFAULT_MAX_SESSION_EXPIRY_SECONDS = 86_400;

  public static final int DEFAULT_SYS_INTERVAL_SECONDS = 10;
  public static final int DEFAULT_TOPIC_ALIAS_MAXIMUM = 16;
  public static final int DEFAULT_MAX_CONNECTIONS = 100_000;
  public static final int DEFAULT_MAX_TOPIC_LENGTH = 65_535;
  public static final int DEFAULT_MAX_TOPIC_LEVELS = 128;

  /** 256 MiB for all offline and waiting messages together. */
  public static final long DEFAULT_MAX_QUEUED_BYTES = 256L * 1024 * 1024;

  public static final int DEFAULT_MAX_CONNECTS_PER_SECOND = 0;
  public static final long DEFAULT_MAX_CONNECTION_BACKLOG_BYTES = 4L * 1024 * 1024;
  public static final int DEFAULT_MAX_RETAINED_MESSAGES = 1_000_000;

  public static final int DEFAULT_TOKEN_CACHE_SECONDS = 30;

  /** 0: the keep alive the client asks for is used. */
  public static final int DEFAULT_SERVER_KEEP_ALIVE_SECONDS = 0;

  /**
   * QoS 1/2 PUBLISHes one 5.0 client may have unacknowledged: a bounded in-flight window per
   * connection, wide enough that a publisher waiting for its PUBACKs is not slowed down.
   */
  public static final int DEFAULT_RECEIVE_MAXIMUM = 1024;

  /** A client that opens a socket and sends no CONNECT is closed after this many seconds. */
  public static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 30;

  /** Off: MQTT over WebSocket is opt-in. */
  public static final int DEFAULT_WEB_SOCKET_PORT = -1;

  public MqttConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("mqtt.host must not be empty, was '" + host + "'");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("mqtt.port must be 0..65535, was " + port);
    }
    if (maxMessageSize < 16 || maxMessageSize > MAX_MESSAGE_SIZE_LIMIT) {
      throw new IllegalArgumentException(
          "mqtt.maxMessageSize must be 16.." + MAX_MESSAGE_SIZE_LIMIT + ", was " + maxMessageSize);
    }
    if (maxQueuedMessages < 1) {
      throw new IllegalArgumentException(
          "mqtt.maxQueuedMessages must be at least 1, was " + maxQueuedMessages);
    }
    Objects.requireNonNull(queuePolicy, "mqtt.queuePolicy");
    if (maxSessionExpirySeconds < 0 || maxSessionExpirySeconds > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(
          "mqtt.maxSessionExpirySeconds must be 0..4294967295, was " + maxSessionExpirySeconds);
    }
    if (sysIntervalSeconds < 0) {
      throw new IllegalArgumentException(
          "mqtt.sysIntervalSeconds must be 0 (off) or more, was " + sysIntervalSeconds);
    }
    if (topicAliasMaximum < 0 || topicAliasMaximum > 65_535) {
      throw new IllegalArgumentException(
          "mqtt.topicAliasMaximum must be 0..65535, was " + topicAliasMaximum);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "mqtt.maxConnections must be at least 1, was " + maxConnections);
    }
    if (maxTopicLength < 1 || maxTopicLength > 65_535) {
      throw new IllegalArgumentException(
          "mqtt.maxTopicLength must be 1..65535, was " + maxTopicLength);
    }
    if (maxTopicLevels < 1) {
      throw new IllegalArgumentException(
          "mqtt.maxTopicLevels must be at least 1, was " + maxTopicLevels);
    }
    if (maxQueuedBytes < 1) {
      throw new IllegalArgumentException(
          "mqtt.maxQueuedBytes must be at least 1, was " + maxQueuedBytes);
    }
    if (maxConnectsPerSecond < 0) {
      throw new IllegalArgumentException(
          "mqtt.maxConnectsPerSecond must be 0 (no limit) or more, was " + maxConnectsPerSecond);
    }
    if (maxConnectionBacklogBytes < 1) {
      throw new IllegalArgumentException(
          "mqtt.maxConnectionBacklogBytes must be at least 1, was " + maxConnectionBacklogBytes);
    }
    if (maxRetainedMessages < 0) {
      throw new IllegalArgumentException(
          "mqtt.maxRetainedMessages must be 0 or more, was " + maxRetainedMessages);
    }
    if (tokenCacheSeconds < 0) {
      throw new IllegalArgumentException(
          "mqtt.tokenCacheSeconds must be 0 (off) or more, was " + tokenCacheSeconds);
    }
    if (serverKeepAliveSeconds < 0 || serverKeepAliveSeconds > 65_535) {
      throw new IllegalArgumentException(
          "mqtt.serverKeepAlive must be 0 (the client's) or 1..65535, was "
              + serverKeepAliveSeconds);
    }
    if (webSocketPort < -1 || webSocketPort > 65_535) {
      throw new IllegalArgumentException(
          "mqtt.webSocketPort must be -1 (off) or 0..65535, was " + webSocketPort);
    }
    if (receiveMaximum < 1 || receiveMaximum > 65_535) {
      throw new IllegalArgumentException(
          "mqtt.receiveMaximum must be 1..65535, was " + receiveMaximum);
    }
    if (connectTimeoutSeconds < 1 || connectTimeoutSeconds > 3600) {
      throw new IllegalArgumentException(
          "mqtt.connectTimeoutSeconds must be 1..3600, was " + connectTimeoutSeconds);
    }
  }

  /** The listener settings with default session settings. */
  public MqttConfig(String host, int port, int maxMessageSize, boolean allowAnonymous) {
    this(
        host,
        port,
        maxMessageSize,
        allowAnonymous,
        DEFAULT_MAX_QUEUED_MESSAGES,
        DEFAULT_QUEUE_POLICY,
        DEFAULT_MAX_SESSION_EXPIRY_SECONDS,
        DEFAULT_SYS_INTERVAL_SECONDS,
        DEFAULT_TOPIC_ALIAS_MAXIMUM,
        DEFAULT_MAX_CONNECTIONS,
        DEFAULT_MAX_TOPIC_LENGTH,
        DEFAULT_MAX_TOPIC_LEVELS,
        DEFAULT_WEB_SOCKET_PORT,
        DEFAULT_MAX_QUEUED_BYTES,
        DEFAULT_MAX_CONNECTS_PER_SECOND,
        DEFAULT_MAX_CONNECTION_BACKLOG_BYTES,
        DEFAULT_MAX_RETAINED_MESSAGES,
        DEFAULT_TOKEN_CACHE_SECONDS,
        null,
        DEFAULT_SERVER_KEEP_ALIVE_SECONDS,
        DEFAULT_RECEIVE_MAXIMUM,
        DEFAULT_CONNECT_TIMEOUT_SECONDS);
  }

  /** The defaults: 127.0.0.1:1883, 1 MiB packets, no anonymous access. */
  public static MqttConfig defaults() {
    return new MqttConfig(
        DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_ALLOW_ANONYMOUS);
  }

  public MqttConfig withQueue(int maxQueued, QueuePolicy policy) {
    return edit(
        e -> {
          e.maxQueuedMessages = maxQueued;
          e.queuePolicy = policy;
        });
  }

  public MqttConfig withMaxSessionExpirySeconds(long seconds) {
    return edit(e -> e.maxSessionExpirySeconds = seconds);
  }

  public MqttConfig withSysInterval(int seconds) {
    return edit(e -> e.sysIntervalSeconds = seconds);
  }

  public MqttConfig withTopicAliasMaximum(int aliases) {
    return edit(e -> e.topicAliasMaximum = aliases);
  }

  public MqttConfig withMaxConnections(int connections) {
    return edit(e -> e.maxConnections = connections);
  }

  public MqttConfig withTopicLimits(int length, int levels) {
    return edit(
        e -> {
          e.maxTopicLength = length;
          e.maxTopicLevels = levels;
        });
  }

  public MqttConfig withWebSocketPort(int port) {
    return edit(e -> e.webSocketPort = port);
  }

  /** The same settings keeping retained messages in {@code dir} ({@code null}: memory only). */
  public MqttConfig withDataDir(Path dir) {
    return edit(e -> e.dataDir = dir);
  }

  public MqttConfig withMaxQueuedBytes(long bytes) {
    return edit(e -> e.maxQueuedBytes = bytes);
  }

  public MqttConfig withMaxConnectsPerSecond(int perSecond) {
    return edit(e -> e.maxConnectsPerSecond = perSecond);
  }

  public MqttConfig withMaxConnectionBacklogBytes(long bytes) {
    return edit(e -> e.maxConnectionBacklogBytes = bytes);
  }

  public MqttConfig withMaxRetainedMessages(int max) {
    return edit(e -> e.maxRetainedMessages = max);
  }

  public MqttConfig withTokenCacheSeconds(int seconds) {
    return edit(e -> e.tokenCacheSeconds = seconds);
  }

  public MqttConfig withServerKeepAliveSeconds(int seconds) {
    return edit(e -> e.serverKeepAliveSeconds = seconds);
  }

  public MqttConfig withReceiveMaximum(int maximum) {
    return edit(e -> e.receiveMaximum = maximum);
  }

  public MqttConfig withConnectTimeoutSeconds(int seconds) {
    return edit(e -> e.connectTimeoutSeconds = seconds);
  }

  /**
   * A copy with some settings changed: the one place besides the record header listing them all.
   */
  private MqttConfig edit(Consumer<Editor> change) {
    Editor e = new Editor(this);
    change.accept(e);
    return e.build();
  }

  /** The settings of one config, changeable, for {@link #edit}. */
  private static final class Editor {
    private String host;
    private int port;
    private int maxMessageSize;
    private boolean allowAnonymous;
    private int maxQueuedMessages;
    private QueuePolicy queuePolicy;
    private long maxSessionExpirySeconds;
    private int sysIntervalSeconds;
    private int topicAliasMaximum;
    private int maxConnections;
    private int maxTopicLength;
    private int maxTopicLevels;
    private int webSocketPort;
    private long maxQueuedBytes;
    private int maxConnectsPerSecond;
    private long maxConnectionBacklogBytes;
    private int maxRetainedMessages;
    private int tokenCacheSeconds;
    private Path dataDir;
    private int serverKeepAliveSeconds;
    private int receiveMaximum;
    private int connectTimeoutSeconds;

    Editor(MqttConfig c) {
      host = c.host;
      port = c.port;
      maxMessageSize = c.maxMessageSize;
      allowAnonymous = c.allowAnonymous;
      maxQueuedMessages = c.maxQueuedMessages;
      queuePolicy = c.queuePolicy;
      maxSessionExpirySeconds = c.maxSessionExpirySeconds;
      sysIntervalSeconds = c.sysIntervalSeconds;
      topicAliasMaximum = c.topicAliasMaximum;
      maxConnections = c.maxConnections;
      maxTopicLength = c.maxTopicLength;
      maxTopicLevels = c.maxTopicLevels;
      webSocketPort = c.webSocketPort;
      maxQueuedBytes = c.maxQueuedBytes;
      maxConnectsPerSecond = c.maxConnectsPerSecond;
      maxConnectionBacklogBytes = c.maxConnectionBacklogBytes;
      maxRetainedMessages = c.maxRetainedMessages;
      tokenCacheSeconds = c.tokenCacheSeconds;
      dataDir = c.dataDir;
      serverKeepAliveSeconds = c.serverKeepAliveSeconds;
      receiveMaximum = c.receiveMaximum;
      connectTimeoutSeconds = c.connectTimeoutSeconds;
    }

    MqttConfig build() {
      return new MqttConfig(
          host,
          port,
          maxMessageSize,
          allowAnonymous,
          maxQueuedMessages,
          queuePolicy,
          maxSessionExpirySeconds,
          sysIntervalSeconds,
          topicAliasMaximum,
          maxConnections,
          maxTopicLength,
          maxTopicLevels,
          webSocketPort,
          maxQueuedBytes,
          maxConnectsPerSecond,
          maxConnectionBacklogBytes,
          maxRetainedMessages,
          tokenCacheSeconds,
          dataDir,
          serverKeepAliveSeconds,
          receiveMaximum,
          connectTimeoutSeconds);
    }
  }
}
