package io.busbar.hub;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.codecs.sparkplug.NodeStatus;
import io.busbar.codecs.sparkplug.SparkplugDecoder;
import io.busbar.codecs.sparkplug.SparkplugHostState;
import io.busbar.codecs.sparkplug.SparkplugRoute;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ClusterConfig;
import io.busbar.security.acl.BackendAccess;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.IssuerConfig;
import io.busbar.security.jwt.MultiIssuerAuthenticator;
import io.busbar.security.revocation.Revocation;
import io.busbar.security.revocation.RevocationList;
import io.busbar.security.tls.TlsOptions;
import io.busbar.verticles.analytics.AnalyticsVerticle;
import io.busbar.verticles.command.CommandVerticle;
import io.busbar.verticles.command.SparkplugHostVerticle;
import io.busbar.verticles.http.HttpConfig;
import io.busbar.verticles.http.HttpVerticle;
import io.busbar.verticles.http.IngestConfig;
import io.busbar.verticles.kafka.KafkaCommandSourceVerticle;
import io.busbar.verticles.kafka.KafkaSinkVerticle;
import io.busbar.verticles.mqtt.MqttBrokerVerticle;
import io.busbar.verticles.mqtt.MqttConfig;
import io.busbar.verticles.storage.PostgresStorageVerticle;
import io.busbar.verticles.storage.StorageVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Busbar node: a Vert.x instance with the storage, analytics, MQTT broker, command,
 * Sparkplug host and HTTP verticles deployed in that order (consumers before producers), and
 * undeployed in reverse on {@link #close()}: listeners stop accepting first, the store drains last.
 */
public final class Node {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final BusbarConfig config;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final DevelopmentIssuer issuer;
  private final Deque<String> deployments = new ArrayDeque<>();
  private final SparkplugHostState sparkplugHost = new SparkplugHostState();
  private final RevocationList revocations = new RevocationList();
  private final MultiIssuerAuthenticator authenticator;
  private ClusterInfo clusterInfo;
  private HazelcastClusterManager clusterManager;
  private int mqttPort;
  private int httpPort;
  private int httpTlsPort = -1;

  private Node(
      BusbarConfig config,
      Vertx vertx,
      PrometheusMeterRegistry registry,
      DevelopmentIssuer issuer,
      List<IssuerConfig> issuers) {
    this.config = config;
    this.authenticator =
        new MultiIssuerAuthenticator(vertx, issuers, revocations, Clock.systemUTC());
    this.vertx = vertx;
    this.registry = registry;
    this.issuer = issuer;
  }

  /**
   * Starts a node. Blocks the calling thread briefly to load or create the development signing key
   * (call it from {@code main} or a test, never from an event loop).
   *
   * @return a future of the running node; failed when a verticle cannot start (a port in use, an
   *     unreadable database), after undoing what had started
   */
  public static Future<Node> start(BusbarConfig config) {
    warmUpAllocator();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HazelcastClusterManager clusterManager =
        config.cluster().enabled() ? ClusterSetup.clusterManager(config.cluster()) : null;
    return createVertx(config, registry, clusterManager)
        .compose(vertx -> startOn(vertx, config, registry, clusterManager));
  }

  /**
   * Netty's pooled allocator looks up its JFR events when it takes its first chunk, which loads and
   * sets up {@code jdk.jfr} (~0.2 s here): done on the calling thread at start rather than on an
   * event loop in the middle of the first client's CONNECT.
   */
  private static void warmUpAllocator() {
    ByteBufAllocator.DEFAULT.directBuffer(1).release();
  }

  private static Future<Vertx> createVertx(
      BusbarConfig config,
      PrometheusMeterRegistry registry,
      HazelcastClusterManager clusterManager) {
    VertxOptions options =
        new VertxOptions()
            // epoll on Linux when its native library loads (falls back to NIO by itself)
            .setPreferNativeTransport(true)
            .setMetricsOptions(
                new MicrometerMetricsOptions()
                    .setEnabled(true)
                    .setJvmMetricsEnabled(true)
                    // per-address event-bus meters are looked up on every message (~10 % of the
                    // event loops' time at 100k readings/s); the busbar.* meters count what matters
                    .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
                    // per-connection TCP meters (vertx_net_server_*): a gauge registered and looked
                    // up in the registry on every accept (~10 % of a CONNECT's event-loop time)
                    // and a counter on every read and write; busbar.mqtt.clients.connected and
                    // busbar.mqtt.bytes.* count what the MQTT listeners need
                    .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
                    .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT));
    var builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
    if (clusterManager == null) {
      return Future.succeededFuture(builder.with(options).build());
    }
    clusterEventBus(config.cluster(), options.getEventBusOptions());
    return builder.with(options).withClusterManager(clusterManager).buildClustered();
  }

  /** The event bus of a clustered node: on the cluster interface, over mutual TLS if set. */
  static void clusterEventBus(ClusterConfig cluster, EventBusOptions options) {
    options.setHost(ClusterSetup.resolve(cluster.host())).setPort(0);
    if (cluster.eventBusTls() != null) {
      TlsOptions.applyToEventBus(cluster.eventBusTls(), options);
      LOG.info(
          "cluster event bus over mutual TLS ({} engine), peers signed by {}",
          TlsOptions.engineName(cluster.eventBusTls().engine()),
          cluster.eventBusTls().trustPath());
    }
  }

  private static Future<Node> startOn(
      Vertx vertx,
      BusbarConfig config,
      PrometheusMeterRegistry registry,
      HazelcastClusterManager clusterManager) {
    BusCodecs.register(vertx.eventBus());
    LOG.info("Network transport: {}", vertx.isNativeTransportEnabled() ? "epoll" : "nio");
    DevelopmentIssuer issuer;
    try {
      issuer = DevelopmentIssuer.loadOrCreate(vertx, config.devKeyDir());
    } catch (RuntimeException e) {
      vertx.close();
      return Future.failedFuture(e);
    }
    List<IssuerConfig> issuers = new ArrayList<>();
    issuers.add(issuer.issuerConfig());
    issuers.addAll(config.issuers());
    Node node = new Node(config, vertx, registry, issuer, issuers);
    node.clusterManager = clusterManager;
    node.clusterInfo =
        new ClusterInfo(vertx, clusterManager, config.cluster().name(), config.nodeId(), registry);
    return node.deployAll()
        .transform(
            ar ->
                ar.succeeded()
                    ? Future.succeededFuture(node)
                    : node.close().transform(v -> Future.failedFuture(ar.cause())));
  }

  private Future<Void> deployAll() {
    // one store per node: the embedded DuckDB file, or the cluster's shared PostgreSQL database
    io.vertx.core.Deployable storage =
        config.postgresStorage() != null
            ? new PostgresStorageVerticle(config.postgresStorage(), registry)
            : new StorageVerticle(config.storage(), registry);
    AnalyticsVerticle analytics = new AnalyticsVerticle(registry);
    // one authenticator for every issuer, checking the node's revocation list
    // the broker's MQTT over WebSocket listener is what /mqtt on the HTTP port relays to: when the
    // config has none, an ephemeral one is opened for that purpose alone
    MqttConfig mqtt =
        config.mqtt().webSocketPort() < 0 ? config.mqtt().withWebSocketPort(0) : config.mqtt();
    // one table for both transports: HTTP ingest decodes as the broker does
    DecoderTable decoders = decoders();
    MqttBrokerVerticle broker =
        new MqttBrokerVerticle(
            mqtt,
            config.mqttSecurity(),
            authenticator,
            revocations,
            config.acl(),
            decoders,
            registry,
            clusterManager == null ? null : ClusterSetup.view(clusterManager));
    listenForRevocations();
    HttpVerticle[] http = new HttpVerticle[1];
    return authenticator
        .start()
        .recover(
            e -> {
              // an unreachable identity provider must not keep the node down: its tokens fail
              // with KEYS_UNAVAILABLE until it answers; the development issuer works meanwhile
              LOG.warn("token issuers not all reachable at start: {}", e.getMessage());
              return Future.succeededFuture();
            })
        .compose(v -> clusterInfo.start())
        .compose(v -> answerSparkplugNodes())
        .compose(v -> deploy(storage))
        .compose(v -> deploy(analytics))
        .compose(
            v ->
                config.kafka().enabled()
                    ? deploy(new KafkaSinkVerticle(config.kafka().sink(), registry))
                    : Future.succeededFuture())
        .compose(v -> deploy(broker))
        // after the broker: they publish through its bus bridge, and stop before it
        .compose(v -> deploy(new CommandVerticle(config.commands(), registry, sparkplugHost)))
        .compose(
            v -> deploy(new SparkplugHostVerticle(config.sparkplug(), sparkplugHost, registry)))
        .compose(
            v -> {
              http[0] =
                  new HttpVerticle(
                      config
                          .http()
                          .withMqttUpstream(
                              loopback(mqtt.host()),
                              broker.actualWebSocketPort(),
                              Math.max(
                                  mqtt.maxMessageSize(),
                                  HttpConfig.DEFAULT_MAX_WEBSOCKET_FRAME_SIZE)),
                      issuer.jwks(),
                      registry,
                      authenticator,
                      new BackendAccess(BackendAccess.MfaPolicy.none()),
                      new IngestConfig(decoders, mqtt.maxMessageSize()));
              return deploy(http[0]);
            })
        .compose(
            v ->
                config.kafka().enabled()
                    ? deploy(new KafkaCommandSourceVerticle(config.kafka().commands(), registry))
                    : Future.succeededFuture())
        .onSuccess(
            v -> {
              mqttPort = broker.actualPort();
              httpPort = http[0].actualPort();
              httpTlsPort = http[0].actualTlsPort();
              LOG.info(
                  "node {} started: MQTT {}, HTTP {} (MQTT over WebSocket at /mqtt), HTTPS {}",
                  config.nodeId(),
                  mqttPort,
                  httpPort,
                  httpTlsPort < 0 ? "off" : httpTlsPort);
            });
  }

  /** The address to reach a listener bound to {@code host}: loopback for a wildcard bind. */
  private static String loopback(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
  }

  /** Answers {@link Addresses#SPARKPLUG_NODES_QUERY} from this node's Sparkplug host state. */
  private Future<Void> answerSparkplugNodes() {
    return vertx
        .eventBus()
        .<JsonObject>localConsumer(
            Addresses.SPARKPLUG_NODES_QUERY,
            msg -> {
              JsonArray nodes = new JsonArray();
              for (NodeStatus status : sparkplugHost.statuses()) {
                nodes.add(
                    new JsonObject()
                        .put("id", status.id())
                        .put("online", status.online())
                        .put("since", status.since())
                        .put("reason", status.reason()));
              }
              msg.reply(nodes);
            })
        .completion();
  }

  /**
   * Applies every revocation published on {@link Addresses#REVOCATIONS} (from any node of the
   * cluster) to this node's list, which refuses the principal and closes its live connections.
   */
  private void listenForRevocations() {
    var invalid = registry.counter("busbar.security.revocations.invalid");
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.REVOCATIONS,
            m -> {
              try {
                revocations.apply(Revocation.fromJson(m.body()));
              } catch (RuntimeException e) {
                invalid.increment();
                LOG.warn("ignored a bad revocation: {}", e.getMessage());
              }
            });
  }

  /** The node's deny list (tokens and devices no longer trusted). */
  public RevocationList revocations() {
    return revocations;
  }

  /** Sparkplug B first (its own topic namespace), then JSON/CBOR telemetry and binary frames. */
  private DecoderTable decoders() {
    List<DecoderTable.Route> routes = new ArrayList<>();
    routes.add(new SparkplugRoute(new SparkplugDecoder(sparkplugHost)));
    routes.addAll(DecoderTable.defaultRules(config.frameLayouts()));
    return DecoderTable.of(routes);
  }

  private Future<Void> deploy(io.vertx.core.Deployable verticle) {
    return vertx
        .deployVerticle(verticle)
        .map(
            id -> {
              deployments.push(id);
              return null;
            });
  }

  /** Undeploys in reverse order (stop accepting, drain, close the store), then closes Vert.x. */
  public Future<Void> close() {
    Future<Void> chain = Future.succeededFuture();
    while (!deployments.isEmpty()) {
      String id = deployments.pop();
      chain = chain.eventually(() -> vertx.undeploy(id));
    }
    return chain
        .eventually(clusterInfo::stop)
        .eventually(
            () -> {
              authenticator.close();
              return vertx.close();
            })
        .mapEmpty();
  }

  public BusbarConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  public DevelopmentIssuer issuer() {
    return issuer;
  }

  public int mqttPort() {
    return mqttPort;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The HTTPS port, -1 when {@code http.tls-port} is off. */
  public int httpTlsPort() {
    return httpTlsPort;
  }
}
