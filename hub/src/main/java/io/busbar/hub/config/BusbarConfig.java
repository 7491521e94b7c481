package io.busbar.hub.config;

import io.busbar.codecs.frame.FrameConfigException;
import io.busbar.codecs.frame.FrameLayout;
import io.busbar.codecs.frame.FrameLayouts;
import io.busbar.perf.sim.PlantLayout;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.jwt.IssuerConfig;
import io.busbar.security.ratelimit.AuthGuard;
import io.busbar.security.ratelimit.RateLimitConfig;
import io.busbar.security.tls.CertificateIdentity;
import io.busbar.security.tls.DeviceAuthPolicy;
import io.busbar.security.tls.TlsConfig;
import io.busbar.verticles.command.CommandConfig;
import io.busbar.verticles.command.SparkplugHostConfig;
import io.busbar.verticles.http.HttpConfig;
import io.busbar.verticles.kafka.KafkaCommandConfig;
import io.busbar.verticles.kafka.KafkaSinkConfig;
import io.busbar.verticles.mqtt.MqttConfig;
import io.busbar.verticles.mqtt.MqttSecurityConfig;
import io.busbar.verticles.mqtt.session.QueuePolicy;
import io.busbar.verticles.storage.PostgresStorageConfig;
import io.busbar.verticles.storage.StorageConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole typed configuration of a node, built from {@link ConfigValues} and validated: a bad
 * value stops start-up with a {@link ConfigException} that names its key.
 *
 * @param nodeId this node's name
 * @param dataDir where the database and broker state live
 * @param devKeyDir where the development signing key lives (the data directory by default)
 * @param mqtt the MQTT listener
 * @param mqttSecurity the broker's rate limits, authentication guard and TLS listener
 * @param http the HTTP listener
 * @param storage the embedded store (DuckDB)
 * @param postgresStorage the shared PostgreSQL store when {@code storage.backend} is {@code
 *     postgresql} (queue, batch, flush and ack settings taken from {@code storage.*}); {@code null}
 *     for the embedded store
 * @param cluster how the node joins a cluster
 * @param kafka the Kafka sink and command source, when enabled
 * @param issuers token issuers trusted besides the node's development issuer
 * @param frameLayouts the binary frame layouts of {@code devices/{id}/frames/{layout}}, by name
 * @param demo the simulated factory of {@code busbar demo}
 * @param commands commands to devices
 * @param sparkplug this node as Sparkplug B host application
 */
public record BusbarConfig(
    String nodeId,
    Path dataDir,
    Path devKeyDir,
    MqttConfig mqtt,
    MqttSecurityConfig mqttSecurity,
    HttpConfig http,
    StorageConfig storage,
    PostgresStorageConfig postgresStorage,
    ClusterConfig cluster,
    KafkaConfig kafka,
    Map<String, FrameLayout> frameLayouts,
    List<IssuerConfig> issuers,
    DemoConfig demo,
    CommandConfig commands,
    SparkplugHostConfig sparkplug,
    TopicAcl acl) {

  /** The simulated plant: its layout and how often each machine publishes. */
  public record DemoConfig(PlantLayout layout, Duration interval) {}

  /** The Kafka side of a node: off, or a sink and a command source. */
  public record KafkaConfig(boolean enabled, KafkaSinkConfig sink, KafkaCommandConfig commands) {}

  public static BusbarConfig from(ConfigValues values) {
    String configuredId = values.string("node.id").trim();
    String nodeId =
        configuredId.isEmpty()
            ? hostName() + "-" + UUID.randomUUID().toString().substring(0, 6)
            : configuredId;
    Path dataDir = values.path("node.data-dir");
    Path devKeyDir =
        values.string("security.dev-key-dir").isBlank()
            ? dataDir
            : values.path("security.dev-key-dir");
    MqttConfig mqtt = build("mqtt", () -> mqtt(values, dataDir));
    MqttSecurityConfig mqttSecurity = build("security", () -> mqttSecurity(values, dataDir));
    HttpConfig http = build("http", () -> http(values, nodeId));
    StorageConfig storage =
        build(
            "storage",
            () ->
                new StorageConfig(
                        dataDir,
                        values.integer("storage.queue-capacity", 1, 100_000_000),
                        values.integer("storage.batch-size", 1, 1_000_000),
                        values.duration("storage.flush-interval"))
                    .withRetention(
                        values.duration("storage.raw-retention"), tenantRetention(values))
                    .withRollupInterval(values.duration("storage.rollup-interval"))
                    .withAckOnCommit(values.bool("storage.ack-on-commit")));
    PostgresStorageConfig postgresStorage =
        build("storage", () -> postgresStorage(values, storage));
    DemoConfig demo =
        build(
            "demo",
            () ->
                new DemoConfig(
                    new PlantLayout(
                        values.integer("demo.sites", 1, 100),
                        values.integer("demo.lines", 1, 100),
                        values.integer("demo.machines-per-line", 1, 1_000)),
                    values.duration("demo.interval")));
    ClusterConfig cluster = build("cluster", () -> ClusterConfig.from(values));
    KafkaConfig kafka = build("kafka", () -> kafka(values, nodeId, dataDir));
    Map<String, FrameLayout> frameLayouts;
    try {
      frameLayouts = FrameLayouts.fromConfig(values.tree("frames"));
    } catch (FrameConfigException e) {
      throw new ConfigException(e.getMessage());
    }
    CommandConfig commands =
        build(
            "commands",
            () ->
                new CommandConfig(
                    values.duration("commands.timeout"),
                    values.duration("commands.max-timeout"),
                    values.integer("commands.max-pending", 1, 10_000_000),
                    values.bool("commands.fail-when-not-connected")));
    SparkplugHostConfig sparkplug =
        build(
            "sparkplug",
            () ->
                new SparkplugHostConfig(
                    values.string("sparkplug.host-id").trim(),
                    values.string("sparkplug.tenant").trim(),
                    values.duration("sparkplug.rebirth-interval")));
    return new BusbarConfig(
        nodeId,
        dataDir,
        devKeyDir,
        mqtt,
        mqttSecurity,
        http,
        storage,
        postgresStorage,
        cluster,
        kafka,
        frameLayouts,
        IssuersConfig.from(values.tree("issuers")),
        demo,
        commands,
        sparkplug,
        acl(values));
  }

  /** The {@code acl} section: topic templates per kind of principal, defaults where left out. */
  private static TopicAcl acl(ConfigValues values) {
    try {
      return TopicAcl.fromConfig(values.tree("acl"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage()); // the message names the key
    }
  }

  private static MqttConfig mqtt(ConfigValues values, Path dataDir) {
    String policy = values.string("mqtt.queue-policy").trim().toLowerCase(java.util.Locale.ROOT);
    QueuePolicy queuePolicy =
        switch (policy) {
          case "drop-oldest" -> QueuePolicy.DROP_OLDEST;
          case "drop-newest" -> QueuePolicy.DROP_NEWEST;
          default ->
              throw new ConfigException(
                  "mqtt.queue-policy (BUSBAR_MQTT_QUEUE_POLICY): expected drop-oldest or drop-newest, got '"
                      + policy
                      + "'");
        };
    return new MqttConfig(
        values.string("mqtt.host").trim(),
        values.port("mqtt.port"),
        values.integer("mqtt.max-message-size", 16, 268_435_455),
        values.bool("mqtt.allow-anonymous"),
        values.integer("mqtt.max-queued-messages", 1, 10_000_000),
        queuePolicy,
        values.integer("mqtt.max-session-expiry", 0, Integer.MAX_VALUE),
        values.integer("mqtt.sys-interval", 0, 86_400),
        values.integer("mqtt.topic-alias-maximum", 0, 65_535),
        values.integer("mqtt.max-connections", 1, 10_000_000),
        values.integer("mqtt.max-topic-length", 1, 65_535),
        values.integer("mqtt.max-topic-levels", 1, 65_535),
        values.integer("mqtt.websocket-port", -1, 65_535),
        values.integer("mqtt.max-queued-bytes", 1024, Integer.MAX_VALUE),
        values.integer("mqtt.max-connects-per-second", 0, 1_000_000),
        values.integer("mqtt.max-connection-backlog-bytes", 1024, Integer.MAX_VALUE),
        values.integer("mqtt.max-retained-messages", 0, Integer.MAX_VALUE),
        values.integer("mqtt.token-cache", 0, 86_400),
        values.bool("mqtt.persistence") ? dataDir.resolve("mqtt") : null,
        values.integer("mqtt.server-keep-alive", 0, 65_535),
        values.integer("mqtt.receive-maximum", 1, 65_535),
        values.integer("mqtt.connect-timeout", 1, 3600));
  }

  /**
   * {@code storage.backend}: {@code duckdb} (embedded, {@code null}) or {@code postgresql} with
   * {@code storage.postgresql.url} and {@code pool-size}; queue, batch, flush interval, ack mode,
   * retention and rollup interval are the shared {@code storage.*} keys.
   */
  private static PostgresStorageConfig postgresStorage(ConfigValues values, StorageConfig storage) {
    String backend = values.string("storage.backend").trim().toLowerCase(java.util.Locale.ROOT);
    return switch (backend) {
      case "duckdb" -> null;
      case "postgresql" -> {
        String url = values.string("storage.postgresql.url").trim();
        if (url.isEmpty()) {
          throw new ConfigException(
              "storage.postgresql.url (BUSBAR_STORAGE_POSTGRESQL_URL): required with"
                  + " storage.backend postgresql, e.g. postgresql://busbar:secret@db:5432/busbar");
        }
        yield new PostgresStorageConfig(
            url,
            values.integer("storage.postgresql.pool-size", 1, 1_000),
            storage.queueCapacity(),
            storage.batchSize(),
            storage.flushInterval(),
            storage.ackOnCommit(),
            storage.rawRetention(),
            storage.tenantRetention(),
            storage.rollupInterval());
      }
      default ->
          throw new ConfigException(
              "storage.backend (BUSBAR_STORAGE_BACKEND): expected duckdb or postgresql, got '"
                  + backend
                  + "'");
    };
  }

  private static MqttSecurityConfig mqttSecurity(ConfigValues values, Path dataDir) {
    RateLimitConfig limits =
        new RateLimitConfig(
            values.integer("security.rate-limit.messages-per-second", 0, 10_000_000),
            values.integer("security.rate-limit.message-burst", 1, 100_000_000),
            values.integer("security.rate-limit.bytes-per-second", 0, Integer.MAX_VALUE),
            values.integer("security.rate-limit.byte-burst", 1, Integer.MAX_VALUE),
            values.integer("security.rate-limit.connects-per-second", 0, 1_000_000),
            values.integer("security.rate-limit.connect-burst", 1, 10_000_000),
            RateLimitConfig.DEFAULT_MAX_TRACKED_KEYS);
    AuthGuard.Config defaults = AuthGuard.Config.defaults();
    AuthGuard.Config guard =
        new AuthGuard.Config(
            defaults.maxInFlightPerSource(),
            defaults.maxInFlightTotal(),
            values.integer("security.rate-limit.auth-failures-per-second", 1, 1_000_000),
            values.integer("security.rate-limit.auth-failure-burst", 1, 1_000_000),
            values.integer("security.rate-limit.auth-failures-per-second-total", 1, 10_000_000),
            defaults.maxTrackedSources());
    String cert = values.string("mqtt.tls-cert").trim();
    String key = values.string("mqtt.tls-key").trim();
    if (cert.isEmpty() != key.isEmpty()) {
      throw new ConfigException(
          "mqtt.tls-cert and mqtt.tls-key (BUSBAR_MQTT_TLS_CERT, BUSBAR_MQTT_TLS_KEY) go together:"
              + " set both or neither");
    }
    String trust = values.string("mqtt.tls-trust").trim();
    return new MqttSecurityConfig(
        limits,
        guard,
        values.integer("mqtt.tls-port", -1, 65_535),
        cert.isEmpty() ? null : Path.of(cert),
        key.isEmpty() ? null : Path.of(key),
        dataDir.resolve("tls"),
        TlsConfig.Engine.parse("mqtt.tls-engine", values.string("mqtt.tls-engine")),
        values.duration("mqtt.tls-reload-interval"),
        clientAuth(values, "mqtt.tls-client-auth"),
        trust.isEmpty() ? null : Path.of(trust),
        new CertificateIdentity(
            DeviceAuthPolicy.parse("mqtt.tls-device-auth", values.string("mqtt.tls-device-auth")),
            CertificateIdentity.Field.parse(
                "mqtt.tls-device-id", values.string("mqtt.tls-device-id")),
            values.string("mqtt.tls-device-tenant").trim()));
  }

  private static TlsConfig.ClientAuthMode clientAuth(ConfigValues values, String key) {
    String mode = values.string(key).trim().toLowerCase(java.util.Locale.ROOT);
    return switch (mode) {
      case "none", "" -> TlsConfig.ClientAuthMode.NONE;
      case "request" -> TlsConfig.ClientAuthMode.REQUEST;
      case "required" -> TlsConfig.ClientAuthMode.REQUIRED;
      default ->
          throw new ConfigException(
              key
                  + " ("
                  + ConfigValues.envName(key)
                  + "): expected none, request or required, got '"
                  + mode
                  + "'");
    };
  }

  /** The HTTP listener, and its TLS twin when {@code http.tls-port} is not -1. */
  private static HttpConfig http(ConfigValues values, String nodeId) {
    HttpConfig http =
        new HttpConfig(
            values.string("http.host"),
            values.port("http.port"),
            nodeId,
            values.bool("http.require-auth"));
    int tlsPort = values.integer("http.tls-port", -1, 65_535);
    if (tlsPort < 0) {
      return http;
    }
    String cert = values.string("http.tls-cert").trim();
    String key = values.string("http.tls-key").trim();
    if (cert.isEmpty() || key.isEmpty()) {
      throw new ConfigException(
          "http.tls-port needs http.tls-cert and http.tls-key (BUSBAR_HTTP_TLS_CERT,"
              + " BUSBAR_HTTP_TLS_KEY), PEM files");
    }
    TlsConfig.ClientAuthMode clientAuth = clientAuth(values, "http.tls-client-auth");
    String trust = values.string("http.tls-trust").trim();
    DeviceAuthPolicy policy =
        DeviceAuthPolicy.parse("http.tls-device-auth", values.string("http.tls-device-auth"));
    if (policy.usesCertificate() && clientAuth == TlsConfig.ClientAuthMode.NONE) {
      throw new ConfigException(
          "http.tls-device-auth "
              + values.string("http.tls-device-auth").trim()
              + " needs http.tls-client-auth request or required");
    }
    if (clientAuth != TlsConfig.ClientAuthMode.NONE && trust.isEmpty()) {
      throw new ConfigException(
          "http.tls-client-auth needs http.tls-trust (BUSBAR_HTTP_TLS_TRUST), PEM CA certificates");
    }
    return http.withTls(
            tlsPort,
            TlsConfig.server(cert, key)
                .withEngine(
                    TlsConfig.Engine.parse("http.tls-engine", values.string("http.tls-engine")))
                .withReloadInterval(values.duration("http.tls-reload-interval"))
                .withClientAuth(clientAuth, trust.isEmpty() ? null : trust))
        .withTlsIdentity(
            new CertificateIdentity(
                policy,
                CertificateIdentity.Field.parse(
                    "http.tls-device-id", values.string("http.tls-device-id")),
                values.string("http.tls-device-tenant").trim()));
  }

  /** {@code acme=30d,lab=7d} → tenant → retention. */
  private static Map<String, Duration> tenantRetention(ConfigValues values) {
    String text = values.string("storage.tenant-retention").trim();
    Map<String, Duration> out = new java.util.LinkedHashMap<>();
    if (text.isEmpty()) {
      return out;
    }
    for (String entry : text.split("\\s*,\\s*")) {
      String[] parts = entry.split("=", 2);
      if (parts.length != 2 || parts[0].isBlank()) {
        throw new ConfigException(
            "storage.tenant-retention (BUSBAR_STORAGE_TENANT_RETENTION): expected tenant=duration, got '"
                + entry
                + "'");
      }
      out.put(
          parts[0].trim(), ConfigValues.parseDuration("storage.tenant-retention", parts[1].trim()));
    }
    return out;
  }

  private static KafkaConfig kafka(ConfigValues values, String nodeId, Path dataDir) {
    String servers = values.string("kafka.bootstrap-servers").trim();
    KafkaSinkConfig sink =
        new KafkaSinkConfig(
            servers,
            values.string("kafka.telemetry-topic").trim(),
            values.string("kafka.deadletter-topic").trim(),
            "busbar-sink-" + nodeId,
            nodeId,
            values.integer("kafka.spool-capacity", 1, 10_000_000),
            values.integer("kafka.max-in-flight", 1, 100_000),
            values.duration("kafka.delivery-timeout"),
            KafkaSinkConfig.DEFAULT_RETRY_BACKOFF,
            KafkaSinkConfig.DEFAULT_RETRY_BACKOFF_MAX);
    sink =
        sink.withSpoolDir(
            kafkaSpoolDir(values, dataDir),
            kafkaSpoolFsync(values),
            values.duration("kafka.spool-fsync-interval"));
    KafkaCommandConfig defaults = KafkaCommandConfig.defaults(servers, nodeId);
    KafkaCommandConfig commands =
        new KafkaCommandConfig(
            servers,
            values.string("kafka.command-topic").trim(),
            values.string("kafka.command-reply-topic").trim(),
            values.string("kafka.command-group").trim(),
            "busbar-commands-" + nodeId,
            nodeId,
            values.duration("kafka.command-timeout"),
            defaults.maxPollRecords(),
            defaults.autoOffsetReset(),
            defaults.retryBackoff());
    return new KafkaConfig(values.bool("kafka.enabled"), sink, commands);
  }

  /**
   * {@code kafka.spool-dir}: empty = {@code <node.data-dir>/kafka-spool}, {@code memory} = no
   * directory (the spool is lost with the process), else that directory.
   */
  private static Path kafkaSpoolDir(ConfigValues values, Path dataDir) {
    String text = values.string("kafka.spool-dir").trim();
    if (text.isEmpty()) {
      return dataDir.resolve("kafka-spool");
    }
    if (text.equals("memory")) {
      return null;
    }
    return values.path("kafka.spool-dir");
  }

  private static io.busbar.verticles.kafka.SpoolFsync kafkaSpoolFsync(ConfigValues values) {
    String text = values.string("kafka.spool-fsync").trim().toLowerCase(java.util.Locale.ROOT);
    try {
      return io.busbar.verticles.kafka.SpoolFsync.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "kafka.spool-fsync (BUSBAR_KAFKA_SPOOL_FSYNC): expected always, interval or never, got '"
              + text
              + "'");
    }
  }

  /** Runs a record constructor, turning its validation message into one that names the section. */
  private static <T> T build(String section, java.util.function.Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(section + ": " + e.getMessage());
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "busbar";
    }
  }
}
