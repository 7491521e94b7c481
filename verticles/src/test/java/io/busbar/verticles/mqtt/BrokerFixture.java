package io.busbar.verticles.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.Principal;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.security.revocation.RevocationList;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One started broker for a test class: a Vert.x with the bus codecs, a development issuer minting
 * real JWTs, the broker verticle on an ephemeral port, and helpers for real clients.
 */
final class BrokerFixture implements AutoCloseable {

  final Vertx vertx;
  final Path dataDir;
  final DevelopmentIssuer issuer;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final MqttBrokerVerticle verticle;
  final int port;

  private BrokerFixture(MqttConfig config) {
    this(config, tempDir());
  }

  private BrokerFixture(MqttConfig config, Path dir) {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    dataDir = dir;
    issuer = DevelopmentIssuer.loadOrCreate(vertx, dataDir);
    verticle =
        new MqttBrokerVerticle(
            config, issuer.authenticator(), TopicAcl.defaults(), DecoderTable.defaults(), registry);
    await(vertx.deployVerticle(verticle));
    port = verticle.actualPort();
  }

  /**
   * A broker with its defences, authenticating like the hub does: one {@link
   * io.busbar.security.jwt.MultiIssuerAuthenticator} over the development issuer and {@code
   * revocations}.
   */
  private BrokerFixture(
      MqttConfig config, MqttSecurityConfig security, RevocationList revocations, Path dir) {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    dataDir = dir;
    issuer = DevelopmentIssuer.loadOrCreate(vertx, dataDir);
    var authenticator =
        new io.busbar.security.jwt.MultiIssuerAuthenticator(
            vertx, java.util.List.of(issuer.issuerConfig()), revocations, Clock.systemUTC());
    verticle =
        new MqttBrokerVerticle(
            config,
            security,
            authenticator,
            revocations,
            TopicAcl.defaults(),
            DecoderTable.defaults(),
            registry);
    await(vertx.deployVerticle(verticle));
    port = verticle.actualPort();
  }

  static BrokerFixture start(
      MqttConfig config, MqttSecurityConfig security, RevocationList revocations) {
    return new BrokerFixture(config, security, revocations, tempDir());
  }

  /** A device token of {@code ttl}. */
  String deviceToken(String device, String tenant, Duration ttl) {
    return issuer.mint(new TokenRequest(device, tenant, Set.of(), ttl));
  }

  static BrokerFixture start() {
    return start(false);
  }

  static BrokerFixture start(boolean allowAnonymous) {
    return new BrokerFixture(
        new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, allowAnonymous));
  }

  static BrokerFixture start(MqttConfig config) {
    return new BrokerFixture(config);
  }

  /**
   * A broker whose issuer keys (and, when the config says so, broker state) live in {@code dir}.
   */
  static BrokerFixture start(MqttConfig config, Path dir) {
    return new BrokerFixture(config, dir);
  }

  static Path tempDir() {
    try {
      return Files.createTempDirectory("busbar-mqtt-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String deviceToken(String device, String tenant) {
    return issuer.mint(new TokenRequest(device, tenant, Set.of(), Duration.ofHours(1)));
  }

  String appToken(String name, String tenant) {
    return issuer.mint(
        new TokenRequest(name, tenant, Set.of(Principal.ROLE_APP), Duration.ofHours(1)));
  }

  /** A token of the same key that expired an hour ago. */
  String expiredToken(String device, String tenant) {
    Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
    DevelopmentIssuer old = DevelopmentIssuer.loadOrCreate(vertx, dataDir, past);
    return old.mint(new TokenRequest(device, tenant, Set.of(), Duration.ofMinutes(5)));
  }

  static String uniqueId(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  Mqtt5BlockingClient v5Client(String clientId) {
    return MqttClient.builder()
        .useMqttVersion5()
        .identifier(clientId)
        .serverHost("127.0.0.1")
        .serverPort(port)
        .buildBlocking();
  }

  Mqtt3BlockingClient v3Client(String clientId) {
    return MqttClient.builder()
        .useMqttVersion3()
        .identifier(clientId)
        .serverHost("127.0.0.1")
        .serverPort(port)
        .buildBlocking();
  }

  /** A connected MQTT 5 client authenticated with {@code token}, user name {@code user}. */
  Mqtt5BlockingClient connectV5(String clientId, String user, String token) {
    Mqtt5BlockingClient c = v5Client(clientId);
    c.connectWith()
        .simpleAuth()
        .username(user)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    return c;
  }

  /** A connected MQTT 5 client of a new app device of tenant acme (its id, user and subject). */
  Mqtt5BlockingClient connectApp() {
    String name = uniqueId("app");
    return connectV5(name, name, appToken(name, "acme"));
  }

  Mqtt3BlockingClient connectV3(String clientId, String user, String token) {
    Mqtt3BlockingClient c = v3Client(clientId);
    c.connectWith()
        .simpleAuth()
        .username(user)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    return c;
  }

  double counter(String name, String... tags) {
    Counter c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  double gauge(String name) {
    Gauge g = registry.find(name).gauge();
    return g == null ? Double.NaN : g.value();
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
