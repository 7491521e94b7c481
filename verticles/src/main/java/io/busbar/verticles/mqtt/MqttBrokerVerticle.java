package io.busbar.verticles.mqtt;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.TokenAuthenticator;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.audit.AuditTrail;
import io.busbar.security.revocation.Revocation;
import io.busbar.security.revocation.RevocationList;
import io.busbar.security.tls.TlsConfig;
import io.busbar.security.tls.TlsListener;
import io.busbar.verticles.mqtt.session.MemoryRetainedStore;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.QueueBudget;
import io.busbar.verticles.mqtt.session.RetainedStore;
import io.busbar.verticles.mqtt.session.Session;
import io.busbar.verticles.mqtt.session.SessionRegistry;
import io.busbar.verticles.mqtt.session.SessionStore;
import io.busbar.verticles.mqtt.store.FileRetainedStore;
import io.busbar.verticles.mqtt.store.FileSessionStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.ContextInternal;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT broker: one listener for MQTT 3.1.1 and 5.0 on Netty ({@link MqttTransport}, {@link
 * MqttEndpoint}). Devices authenticate with a JWT as the CONNECT password; messages are routed to
 * subscribers inside the publisher's tenant, and messages on decoder topics are also decoded into
 * events on {@code busbar.events} (or dead letters on {@code busbar.deadletters}).
 *
 * <p>Deploy one instance: all broker state lives on this verticle's event-loop context. Other
 * verticles reach the broker over the event bus through {@link BusBridge} ({@code
 * busbar.mqtt.publish}, {@code busbar.mqtt.subscribe}, {@code busbar.mqtt.unsubscribe}); readings
 * written over HTTP reach MQTT subscribers through {@link IngestedPublish} ({@code
 * busbar.mqtt.ingested}).
 *
 * <p>Metrics: {@code busbar.mqtt.messages.in}, {@code busbar.mqtt.messages.out}, {@code
 * busbar.mqtt.bytes.in}, {@code busbar.mqtt.bytes.out}, gauge {@code
 * busbar.mqtt.clients.connected}, {@code busbar.mqtt.connect.refused} (tag {@code reason}), {@code
 * busbar.mqtt.publish.denied}, {@code busbar.mqtt.subscribe.denied}, {@code
 * busbar.mqtt.queue.dropped}, {@code busbar.mqtt.protocol.errors}, {@code busbar.decode.failures},
 * and those of {@link BrokerSecurity}.
 *
 * <p>Security ({@link MqttSecurityConfig}): per-source CONNECT rates and an authentication guard,
 * per-device PUBLISH rates, token expiry and revocation of live connections (a listener on the
 * {@link RevocationList}), audit events on {@code busbar.audit}, and an optional MQTT over TLS
 * listener (TLS 1.2/1.3) with configured PEM files or a generated development certificate.
 */
public final class MqttBrokerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MqttBrokerVerticle.class);

  private final MqttConfig config;
  private final TokenAuthenticator authenticator;
  private final TopicAcl acl;
  private final DecoderTable decoders;
  private final MeterRegistry registry;
  private final io.busbar.verticles.mqtt.cluster.ClusterView clusterView;
  private io.busbar.verticles.mqtt.cluster.BrokerCluster cluster;
  private final MqttSecurityConfig securityConfig;
  private final RevocationList revocations;
  private Runnable revocationListener;
  private MqttTransport tlsServer;
  private TlsListener tlsListener;
  private WorkerExecutor tokenVerifiers;
  private volatile int actualTlsPort = -1;
  private MqttTransport server;
  private MqttTransport webSocketServer;
  private final IdleSweep sweep;
  private long sweepTimer = -1;
  private Broker broker;
  private BusBridge bridge;
  private IngestedPublish ingested;
  private volatile int actualPort = -1;
  private volatile int actualWebSocketPort = -1;

  public MqttBrokerVerticle(
      MqttConfig config,
      TokenAuthenticator authenticator,
      TopicAcl acl,
      DecoderTable decoders,
      MeterRegistry registry) {
    this(
        config,
        MqttSecurityConfig.off(),
        authenticator,
        new RevocationList(),
        acl,
        decoders,
        registry);
  }

  /**
   * A broker with its defences, on a single node.
   *
   * @param revocations the node's deny list: CONNECTs of revoked principals are refused and live
   *     connections of newly revoked ones closed
   */
  public MqttBrokerVerticle(
      MqttConfig config,
      MqttSecurityConfig securityConfig,
      TokenAuthenticator authenticator,
      RevocationList revocations,
      TopicAcl acl,
      DecoderTable decoders,
      MeterRegistry registry) {
    this(config, securityConfig, authenticator, revocations, acl, decoders, registry, null);
  }

  /**
   * A broker with its defences that is one of the nodes of a cluster (see {@link
   * io.busbar.verticles.mqtt.cluster.BrokerCluster}).
   *
   * @param clusterView the cluster it runs in, or {@code null} for a single node
   */
  public MqttBrokerVerticle(
      MqttConfig config,
      MqttSecurityConfig securityConfig,
      TokenAuthenticator authenticator,
      RevocationList revocations,
      TopicAcl acl,
      DecoderTable decoders,
      MeterRegistry registry,
      io.busbar.verticles.mqtt.cluster.ClusterView clusterView) {
    this.clusterView = clusterView;
    this.securityConfig = Objects.requireNonNull(securityConfig, "securityConfig");
    this.revocations = Objects.requireNonNull(revocations, "revocations");
    this.config = Objects.requireNonNull(config, "config");
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    this.acl = Objects.requireNonNull(acl, "acl");
    this.decoders = Objects.requireNonNull(decoders, "decoders");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.sweep = new IdleSweep(config.connectTimeoutSeconds() * 1000L);
    int backlog = (int) Math.min(Integer.MAX_VALUE, config.maxConnectionBacklogBytes());
    this.backlogMarks = new WriteBufferWaterMark(backlog / 2, backlog);
  }

  /** The stores of one broker: memory only, or journals under {@code dataDir/mqtt}. */
  private record Stores(RetainedStore retained, SessionStore sessions) {}

  @Override
  public Future<?> start() {
    Future<Stores> stores =
        config.dataDir() == null
            ? Future.succeededFuture(new Stores(new MemoryRetainedStore(), SessionStore.none()))
            : vertx.executeBlocking(
                () -> {
                  java.nio.file.Path dir = config.dataDir().resolve("mqtt");
                  return new Stores(
                      FileRetainedStore.open(dir, context), FileSessionStore.open(dir, context));
                });
    return stores.compose(this::listen);
  }

  private Future<?> listen(Stores stores) {
    RetainedStore retainedStore = stores.retained();
    io.busbar.verticles.mqtt.cluster.ClusterRetainedStore clusterRetained = null;
    SessionStore sessionStore = stores.sessions();
    io.busbar.verticles.mqtt.cluster.ReplicatedSessionStore replicatedSessions = null;
    if (clusterView != null) {
      clusterRetained =
          new io.busbar.verticles.mqtt.cluster.ClusterRetainedStore(
              retainedStore, vertx, clusterView, registry);
      retainedStore = clusterRetained;
      cluster = new io.busbar.verticles.mqtt.cluster.BrokerCluster(vertx, clusterView, registry);
      // persistent sessions are also replicated cluster-wide, to survive this node's death
      replicatedSessions =
          new io.busbar.verticles.mqtt.cluster.ReplicatedSessionStore(
              sessionStore, vertx, registry);
      sessionStore = replicatedSessions;
    }
    BrokerMetrics metrics = new BrokerMetrics(registry);
    SessionRegistry sessions = new SessionRegistry();
    PostOffice postOffice = new PostOffice(sessions, retainedStore, config.maxRetainedMessages());
    io.micrometer.core.instrument.FunctionCounter.builder(
            "busbar.mqtt.retained.refused", postOffice, PostOffice::retainedRefused)
        .register(registry);
    broker =
        new Broker(
            vertx,
            config,
            authenticator,
            acl,
            sessions,
            postOffice,
            new TelemetryIngest(vertx, decoders, metrics),
            metrics,
            new QueueBudget(config.maxQueuedBytes()),
            sessionStore,
            cluster,
            new Deadlines(
                new Deadlines.Timer() {
                  @Override
                  public long set(long delayMillis, Runnable fire) {
                    return vertx.setTimer(delayMillis, t -> fire.run());
                  }

                  @Override
                  public void cancel(long id) {
                    vertx.cancelTimer(id);
                  }
                },
                System::currentTimeMillis));
    restoreSessions(broker);
    if (cluster == null) {
      return bind();
    }
    Broker b = broker;
    io.busbar.verticles.mqtt.cluster.ReplicatedSessionStore replicas = replicatedSessions;
    return clusterRetained
        .start()
        .compose(v -> replicas.start())
        .compose(v -> cluster.start(new ClusterBridge(b)))
        .compose(v -> bind());
  }

  private Future<?> bind() {
    bridge = new BusBridge(broker, registry);
    ingested = new IngestedPublish(broker, registry);
    Future<Void> bridged = Future.all(bridge.start(), ingested.start()).mapEmpty();
    BrokerSecurity security =
        new BrokerSecurity(
            securityConfig,
            revocations,
            new AuditTrail(vertx.eventBus(), Addresses.AUDIT),
            registry);
    // one thread per core: signature checks of new tokens run in parallel, off the event loop
    tokenVerifiers =
        vertx.createSharedWorkerExecutor(
            "busbar-token-verify", Runtime.getRuntime().availableProcessors());
    ConnectHandler connects = new ConnectHandler(broker, security, tokenVerifiers);
    io.vertx.core.Context brokerContext = context;
    Broker shared = broker;
    // the list calls on the revoking thread: hand each revocation to the broker's context
    revocationListener =
        revocations.addListener(r -> brokerContext.runOnContext(v -> closeRevoked(shared, r)));
    if (config.sysIntervalSeconds() > 0) {
      SysStats sys = new SysStats(broker);
      vertx.setPeriodic(config.sysIntervalSeconds() * 1000L, t -> sys.publish());
    }
    sweepTimer =
        vertx.setPeriodic(IdleSweep.TICK_MILLIS, t -> sweep.tick(System.currentTimeMillis()));
    Consumer<Channel> mqtt = channel -> mqttPipeline(channel, connects);
    server = MqttTransport.tcp(config.host(), config.port());
    Future<Integer> tcp =
        server
            .listen(context, mqtt)
            .onSuccess(
                port -> {
                  actualPort = port;
                  LOG.info("MQTT broker listening on {}:{}", config.host(), actualPort);
                });
    Future<?> tls = securityConfig.tlsPort() < 0 ? Future.succeededFuture() : listenTls(mqtt);
    if (config.webSocketPort() < 0) {
      return Future.all(bridged, tcp, tls);
    }
    // one MQTT packet may fill one WebSocket frame; at least the relay's client frame size
    webSocketServer =
        MqttTransport.webSocket(
            config.host(), config.webSocketPort(), Math.max(config.maxMessageSize(), 65_536));
    Future<Integer> ws =
        webSocketServer
            .listen(context, mqtt)
            .onSuccess(
                port -> {
                  actualWebSocketPort = port;
                  LOG.info(
                      "MQTT over WebSocket listening on ws://{}:{}/mqtt",
                      config.host(),
                      actualWebSocketPort);
                });
    return Future.all(bridged, tcp, ws, tls);
  }

  /**
   * The MQTT part of a connection's pipeline, after the transport's (TLS, WebSocket): flushes of
   * one event-loop turn batched into one system call, Netty's MQTT codec, the endpoint. The
   * channel's write-buffer water marks bound what one slow subscriber may hold ({@code
   * mqtt.max-connection-backlog-bytes}: full at the limit, writable again at half).
   */
  private void mqttPipeline(Channel channel, ConnectHandler connects) {
    channel.config().setWriteBufferWaterMark(backlogMarks);
    channel
        .pipeline()
        .addLast("flushBatching", new FlushConsolidationHandler(EXPLICIT_FLUSHES, true))
        .addLast("mqttEncoder", MqttEncoder.INSTANCE)
        // 3.1.1 and 5.0 put no limit on client ids below 65,535 bytes (3.1 did: 23)
        .addLast("mqttDecoder", new MqttDecoder(config.maxMessageSize(), 65_535))
        .addLast(
            "mqtt",
            new MqttEndpoint(
                (ContextInternal) context,
                connects::handle,
                sweep,
                config.serverKeepAliveSeconds()));
  }

  /** The write-buffer water marks of every connection: one instance, not one per accept. */
  private final WriteBufferWaterMark backlogMarks;

  /** Flush at the latest after this many writes within one event-loop turn. */
  private static final int EXPLICIT_FLUSHES = 256;

  /** Closes every live connection whose principal {@code revocation} names. */
  private static void closeRevoked(Broker broker, Revocation revocation) {
    for (Session s : java.util.List.copyOf(broker.sessions().all())) {
      MqttConnection c = MqttConnection.of(s);
      if (c != null && revocation.matches(c.principal())) {
        c.revoked();
      }
    }
  }

  /** The MQTT over TLS listener: configured PEM files, or a generated development certificate. */
  private Future<Integer> listenTls(Consumer<Channel> mqtt) {
    Future<TlsConfig> tlsConfig;
    if (securityConfig.tlsCert() != null) {
      tlsConfig =
          Future.succeededFuture(
              securityConfig.tlsConfig(
                  securityConfig.tlsCert().toString(), securityConfig.tlsKey().toString()));
    } else {
      tlsConfig =
          vertx.executeBlocking(
              () -> {
                java.nio.file.Path dir =
                    securityConfig.tlsGeneratedDir() != null
                        ? securityConfig.tlsGeneratedDir()
                        : java.nio.file.Files.createTempDirectory("busbar-tls");
                DevCertificate cert = DevCertificate.loadOrCreate(dir);
                LOG.warn(
                    "MQTT/TLS uses a self-signed development certificate {} (SHA-256 {}); "
                        + "configure mqtt.tls-cert and mqtt.tls-key for production",
                    cert.certPath(),
                    DevCertificate.fingerprint(cert.certPath()));
                return securityConfig.tlsConfig(
                    cert.certPath().toString(), cert.keyPath().toString());
              });
    }
    return tlsConfig.compose(
        tc -> {
          tlsListener = new TlsListener(vertx, "mqtt", tc, registry);
          tlsServer = MqttTransport.tls(config.host(), securityConfig.tlsPort(), tc);
          return tlsServer
              .listen(context, mqtt)
              .onSuccess(
                  port -> {
                    actualTlsPort = port;
                    LOG.info(
                        "MQTT over TLS listening on {}:{} ({} engine, {}, client certificates {},"
                            + " device identity {})",
                        config.host(),
                        actualTlsPort,
                        tlsListener.engine(),
                        tc.protocols(),
                        tc.clientAuth(),
                        securityConfig.tlsIdentity().policy());
                  })
              .compose(port -> tlsListener.watch(tlsServer::updateSsl).map(port));
        });
  }

  /** The port of the MQTT over TLS listener, after start; -1 when off or before. */
  public int actualTlsPort() {
    return actualTlsPort;
  }

  /**
   * Tells connected 5.0 clients the server is shutting down (DISCONNECT 0x8B, MQTT 5.0 §3.14.2.1),
   * closes every connection without publishing wills, then the listeners. A client gets up to
   * {@link LingeringClose#LINGER_MILLIS} to read its DISCONNECT; the stop waits no longer.
   */
  @Override
  public Future<?> stop() {
    if (cluster != null) {
      cluster.stop();
    }
    if (revocationListener != null) {
      revocationListener.run();
    }
    if (tlsListener != null) {
      tlsListener.close();
    }
    if (tokenVerifiers != null) {
      tokenVerifiers.close();
    }
    List<Future<Void>> lingering = new java.util.ArrayList<>();
    if (broker != null) {
      for (Session s : java.util.List.copyOf(broker.sessions().all())) {
        MqttConnection c = MqttConnection.of(s);
        if (c != null) {
          lingering.add(c.serverShuttingDown());
        }
      }
    }
    // each at most LingeringClose.LINGER_MILLIS: the clients read their 0x8B, none holds the stop;
    // then connections that never got to a session (a CONNECT pending) are closed too
    Future<Void> disconnected =
        Future.join(lingering).<Void>mapEmpty().andThen(ar -> sweep.closeAll());
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    Future<Void> bridged =
        bridge == null
            ? Future.succeededFuture()
            : Future.all(bridge.stop(), ingested.stop()).mapEmpty();
    Future<Void> tcp = server == null ? Future.succeededFuture() : server.close();
    Future<Void> ws = webSocketServer == null ? Future.succeededFuture() : webSocketServer.close();
    Future<Void> tlsClosed = tlsServer == null ? Future.succeededFuture() : tlsServer.close();
    Future<Void> retained =
        broker == null ? Future.succeededFuture() : broker.postOffice().retained().close();
    Future<Void> sessions =
        broker == null ? Future.succeededFuture() : broker.sessionStore().close();
    return Future.all(List.of(disconnected, bridged, tcp, ws, tlsClosed, retained, sessions));
  }

  /**
   * Puts the persistent sessions of the session store back, offline: subscriptions in the routing
   * tables, messages queued, expiry counted from now.
   */
  private static void restoreSessions(Broker broker) {
    for (SessionStore.StoredSession stored : broker.sessionStore().load()) {
      Session session =
          new Session(
              stored.tenant(),
              stored.clientId(),
              broker.config().maxQueuedMessages(),
              broker.config().queuePolicy(),
              d -> broker.metrics().queueDropped.increment(),
              broker.queueBudget(),
              broker.sessionStore());
      session.expiryIntervalSeconds(stored.expirySeconds());
      broker.sessions().put(session);
      for (var sub : stored.subscriptions()) {
        broker.postOffice().subscribe(session, sub);
      }
      session.restore(stored.messages());
      session.restoreIncomingQos2(stored.incomingQos2());
      SessionEnd.scheduleExpiry(broker, session);
      LastWill.restore(broker, session, stored.will());
    }
    if (!broker.sessionStore().load().isEmpty()) {
      LOG.info("restored {} persistent sessions", broker.sessionStore().load().size());
    }
  }

  /** The port of the MQTT over WebSocket listener, after start; -1 when off or before. */
  public int actualWebSocketPort() {
    return actualWebSocketPort;
  }

  /** The port the listener is bound to, after {@link #start()} succeeded; -1 before. */
  public int actualPort() {
    return actualPort;
  }
}
