package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.busbar.codecs.bus.Addresses;
import io.busbar.security.ratelimit.AuthGuard;
import io.busbar.security.ratelimit.RateLimitConfig;
import io.busbar.security.revocation.RevocationList;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker's defences with real clients and real JWTs: token expiry and re-authentication (MQTT
 * 5.0 §4.12), revocation of live connections, per-device PUBLISH rates, per-source CONNECT rates
 * and the authentication guard, audit events, and the TLS listener.
 */
@Timeout(60)
class MqttSecurityTest {

  private static final String TENANT = "acme";

  /** Device rates 5 msg/s (burst 5), no CONNECT rate; TLS on an ephemeral port. */
  private static BrokerFixture broker;

  /** CONNECT rate 5/s (burst 5) per source address; 3 failed authentications per address. */
  private static BrokerFixture guarded;

  private static final RevocationList revocations = new RevocationList();
  private static final List<JsonObject> audits = new CopyOnWriteArrayList<>();
  private static Path tlsDir;

  @BeforeAll
  static void start() throws Exception {
    tlsDir = Files.createTempDirectory("busbar-tls-test");
    MqttConfig config = new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false);
    broker =
        BrokerFixture.start(
            config,
            MqttSecurityConfig.off()
                .withRateLimits(new RateLimitConfig(5, 5, 0, 1, 0, 1, 1000))
                .withTls(0, null, null, tlsDir),
            revocations);
    broker.vertx.eventBus().<JsonObject>consumer(Addresses.AUDIT, m -> audits.add(m.body()));
    guarded =
        BrokerFixture.start(
            config,
            MqttSecurityConfig.off()
                .withRateLimits(new RateLimitConfig(0, 1, 0, 1, 5, 5, 1000))
                .withAuthGuard(new AuthGuard.Config(8, 1024, 0.01, 3, 500, 1000)),
            new RevocationList());
  }

  @AfterAll
  static void stop() {
    broker.close();
    guarded.close();
  }

  // ---- helpers ----

  /** MQTT 5.0 §4.12 with method JWT: the token as authentication data, fresh on re-auth. */
  private static class JwtAuth implements Mqtt5EnhancedAuthMechanism {
    private final Supplier<String> token;

    JwtAuth(Supplier<String> token) {
      this.token = token;
    }

    @Override
    public MqttUtf8String getMethod() {
      return MqttUtf8String.of("JWT");
    }

    @Override
    public int getTimeout() {
      return 10;
    }

    @Override
    public CompletableFuture<Void> onAuth(
        Mqtt5ClientConfig c, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder auth) {
      auth.data(token.get().getBytes(StandardCharsets.UTF_8));
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig c, Mqtt5AuthBuilder auth) {
      auth.data(token.get().getBytes(StandardCharsets.UTF_8));
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> onContinue(
        Mqtt5ClientConfig c, Mqtt5Auth auth, Mqtt5AuthBuilder next) {
      return CompletableFuture.completedFuture(false);
    }

    @Override
    public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig c, Mqtt5ConnAck connAck) {
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig c, Mqtt5Auth auth) {
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public void onAuthRejected(Mqtt5ClientConfig c, Mqtt5ConnAck connAck) {}

    @Override
    public void onReAuthRejected(Mqtt5ClientConfig c, Mqtt5Disconnect disconnect) {}

    @Override
    public void onAuthError(Mqtt5ClientConfig c, Throwable cause) {}

    @Override
    public void onReAuthError(Mqtt5ClientConfig c, Throwable cause) {}
  }

  /** A v5 client whose disconnection (by the server) completes {@code disconnected}. */
  private static Mqtt5AsyncClient v5(
      BrokerFixture b,
      String id,
      CompletableFuture<Throwable> disconnected,
      Mqtt5EnhancedAuthMechanism auth,
      String sourceIp) {
    var builder =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(b.port)
            .addDisconnectedListener(
                (MqttClientDisconnectedContext ctx) -> disconnected.complete(ctx.getCause()));
    if (auth != null) {
      builder = builder.enhancedAuth(auth);
    }
    if (sourceIp != null) {
      builder = builder.transportConfig().localAddress(sourceIp).applyTransportConfig();
    }
    return builder.buildAsync();
  }

  private static Mqtt5ConnAck connectWithPassword(Mqtt5AsyncClient c, String device, String token)
      throws Exception {
    return c.connectWith()
        .simpleAuth()
        .username(device)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .get(10, TimeUnit.SECONDS);
  }

  private static void waitUntil(Duration timeout, java.util.function.BooleanSupplier condition) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within " + timeout);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static JsonObject awaitAudit(String action, String subject, String decision) {
    waitUntil(Duration.ofSeconds(5), () -> find(action, subject, decision) != null);
    return find(action, subject, decision);
  }

  private static JsonObject find(String action, String subject, String decision) {
    return audits.stream()
        .filter(
            a ->
                action.equals(a.getString("action"))
                    && subject.equals(a.getString("subject"))
                    && decision.equals(a.getString("decision")))
        .findFirst()
        .orElse(null);
  }

  private static Mqtt5DisconnectException serverDisconnect(CompletableFuture<Throwable> f)
      throws Exception {
    Throwable cause = f.get(8, TimeUnit.SECONDS);
    assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
    return (Mqtt5DisconnectException) cause;
  }

  // ---- token expiry (MQTT 5.0 §4.12, §3.14.2.1 0xA0) ----

  /** Verifies that a 5.0 connection is closed with 0xA0 "token expired" when its token expires. */
  @Test
  void expiredTokenDisconnectsV5() throws Exception {
    String device = BrokerFixture.uniqueId("exp5");
    CompletableFuture<Throwable> gone = new CompletableFuture<>();
    Mqtt5AsyncClient c = v5(broker, device, gone, null, null);
    connectWithPassword(c, device, broker.deviceToken(device, TENANT, Duration.ofSeconds(2)));
    Mqtt5DisconnectException e = serverDisconnect(gone);
    assertThat(e.getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.MAXIMUM_CONNECT_TIME);
    assertThat(e.getMqttMessage().getReasonString())
        .hasValueSatisfying(r -> assertThat(r.toString()).isEqualTo("token expired"));
    JsonObject audit = awaitAudit("EXPIRED_DISCONNECT", device, "DENY");
    assertThat(audit.getString("tenant")).isEqualTo(TENANT);
    assertThat(broker.counter("busbar.mqtt.disconnect.expired")).isGreaterThanOrEqualTo(1);
  }

  /** Verifies that a 3.1.1 connection is closed when its token expires. */
  @Test
  void expiredTokenClosesV3() {
    String device = BrokerFixture.uniqueId("exp3");
    Mqtt3BlockingClient c =
        broker.connectV3(device, device, broker.deviceToken(device, TENANT, Duration.ofSeconds(2)));
    assertThat(c.getState().isConnected()).isTrue();
    waitUntil(Duration.ofSeconds(8), () -> !c.getState().isConnected());
    awaitAudit("EXPIRED_DISCONNECT", device, "DENY");
  }

  // ---- enhanced authentication and re-authentication (MQTT 5.0 §4.12) ----

  /**
   * Verifies that a client authenticating with method JWT gets the method back in the CONNACK, and
   * that re-authenticating with a fresh token before expiry keeps the connection open.
   */
  @Test
  void reauthenticationExtendsTheConnection() throws Exception {
    String device = BrokerFixture.uniqueId("reauth");
    String[] token = {broker.deviceToken(device, TENANT, Duration.ofSeconds(4))};
    CompletableFuture<Throwable> gone = new CompletableFuture<>();
    Mqtt5AsyncClient c = v5(broker, device, gone, new JwtAuth(() -> token[0]), null);
    Mqtt5ConnAck ack = c.connect().get(10, TimeUnit.SECONDS);
    assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    assertThat(ack.getEnhancedAuth())
        .hasValueSatisfying(a -> assertThat(a.getMethod().toString()).isEqualTo("JWT"));
    token[0] = broker.deviceToken(device, TENANT, Duration.ofHours(1));
    c.reauth().get(10, TimeUnit.SECONDS);
    Thread.sleep(5_000); // past the first token's expiry
    assertThat(gone.getNow(null)).as("disconnected").isNull();
    assertThat(c.getState().isConnected()).isTrue();
    assertThat(broker.counter("busbar.mqtt.reauth", "outcome", "accepted"))
        .isGreaterThanOrEqualTo(1);
    c.disconnect().get(5, TimeUnit.SECONDS);
  }

  /** Verifies that re-authenticating with another device's token closes with 0x87. */
  @Test
  void reauthenticationAsSomeoneElseIsRefused() throws Exception {
    String device = BrokerFixture.uniqueId("reauth-bad");
    String[] token = {broker.deviceToken(device, TENANT)};
    CompletableFuture<Throwable> gone = new CompletableFuture<>();
    Mqtt5AsyncClient c = v5(broker, device, gone, new JwtAuth(() -> token[0]), null);
    c.connect().get(10, TimeUnit.SECONDS);
    token[0] = broker.deviceToken("someone-else", TENANT);
    c.reauth();
    Mqtt5DisconnectException e = serverDisconnect(gone);
    assertThat(e.getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED);
  }

  /** Verifies that an enhanced authentication method other than JWT is refused with 0x8C. */
  @Test
  void unknownAuthenticationMethodIsRefused() {
    Mqtt5EnhancedAuthMechanism other =
        new JwtAuth(() -> "x") {
          @Override
          public MqttUtf8String getMethod() {
            return MqttUtf8String.of("SCRAM-SHA-256");
          }
        };
    Mqtt5AsyncClient c = v5(broker, "scram", new CompletableFuture<>(), other, null);
    Throwable e =
        catchThrowableOfType(Exception.class, () -> c.connect().get(10, TimeUnit.SECONDS));
    assertThat(e).hasCauseInstanceOf(Mqtt5ConnAckException.class);
    assertThat(((Mqtt5ConnAckException) e.getCause()).getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD);
  }

  // ---- revocation ----

  /**
   * Verifies that revoking a device closes its live connection within a second with 0x87, audits
   * it, and refuses its next CONNECT although the token is in the broker's token cache.
   */
  @Test
  void revocationClosesLiveConnectionAndRefusesReconnect() throws Exception {
    String device = BrokerFixture.uniqueId("revoked");
    String token = broker.deviceToken(device, TENANT);
    CompletableFuture<Throwable> gone = new CompletableFuture<>();
    Mqtt5AsyncClient c = v5(broker, device, gone, null, null);
    connectWithPassword(c, device, token);
    long revokedAt = System.nanoTime();
    revocations.revokeDevice(TENANT, device);
    Mqtt5DisconnectException e = serverDisconnect(gone);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - revokedAt)).isLessThan(1000);
    assertThat(e.getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED);
    awaitAudit("REVOKED_DISCONNECT", device, "DENY");

    Mqtt5ConnAckException refused =
        catchThrowableOfType(
            Mqtt5ConnAckException.class,
            () -> broker.connectV5(BrokerFixture.uniqueId("again"), device, token));
    assertThat(refused.getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    assertThat(broker.counter("busbar.mqtt.connect.refused", "reason", "revoked")).isGreaterThan(0);
    revocations.reinstateDevice(TENANT, device);
  }

  // ---- PUBLISH rates ----

  /** Verifies that QoS 1 PUBLISHes over a device's rate get PUBACK 0x97 and are counted. */
  @Test
  void publishOverTheRateIsRefusedWithQuotaExceeded() throws Exception {
    String device = BrokerFixture.uniqueId("chatty");
    Mqtt5BlockingClient c = broker.connectV5(device, device, broker.deviceToken(device, TENANT));
    double before = broker.counter("busbar.mqtt.publish.throttled");
    int refused = 0;
    for (int i = 0; i < 20; i++) {
      try {
        Mqtt5PublishResult r =
            c.publishWith()
                .topic("devices/" + device + "/telemetry")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("{\"t\":1}".getBytes(StandardCharsets.UTF_8))
                .send();
        if (r.getError().isPresent()) {
          refused++;
        }
      } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e) {
        assertThat(e.getMqttMessage().getReasonCode())
            .isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
        refused++;
      }
    }
    assertThat(refused).isGreaterThanOrEqualTo(10);
    assertThat(broker.counter("busbar.mqtt.publish.throttled") - before).isEqualTo(refused);
    awaitAudit("PUBLISH_DENIED", device, "DENY");
    c.disconnect();
  }

  /** Verifies that 3.1.1 QoS 0 PUBLISHes over the rate are dropped and counted. */
  @Test
  void publishOverTheRateIsDroppedForV3() {
    String device = BrokerFixture.uniqueId("chatty3");
    Mqtt3BlockingClient c = broker.connectV3(device, device, broker.deviceToken(device, TENANT));
    double before = broker.counter("busbar.mqtt.publish.throttled");
    for (int i = 0; i < 20; i++) {
      c.publishWith()
          .topic("devices/" + device + "/telemetry")
          .payload("{}".getBytes(StandardCharsets.UTF_8))
          .send();
    }
    waitUntil(
        Duration.ofSeconds(5),
        () -> broker.counter("busbar.mqtt.publish.throttled") - before >= 10);
    assertThat(c.getState().isConnected()).isTrue();
    c.disconnect();
  }

  // ---- audit of ACL decisions ----

  /** Verifies that CONNECTs, ACL-denied PUBLISHes and SUBSCRIBEs become audit events. */
  @Test
  void decisionsAreAudited() {
    String device = BrokerFixture.uniqueId("audited");
    Mqtt5BlockingClient c = broker.connectV5(device, device, broker.deviceToken(device, TENANT));
    JsonObject connect = awaitAudit("CONNECT", device, "ALLOW");
    assertThat(connect.getString("source")).isEqualTo("127.0.0.1");
    c.publishWith().topic("devices/other/telemetry").payload(new byte[] {1}).send();
    assertThat(awaitAudit("PUBLISH_DENIED", device, "DENY").getString("reason")).isEqualTo("ACL");
    catchThrowableOfType(
        com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException.class,
        () -> c.subscribeWith().topicFilter("devices/other/#").send());
    assertThat(awaitAudit("SUBSCRIBE_DENIED", device, "DENY").getString("resource"))
        .isEqualTo("devices/other/#");
    c.disconnect();

    catchThrowableOfType(
        Mqtt5ConnAckException.class,
        () -> broker.connectV5(BrokerFixture.uniqueId("bad"), "intruder", "not.a.jwt"));
    assertThat(awaitAudit("CONNECT", "intruder", "DENY").getString("reason"))
        .isEqualTo("MALFORMED");
  }

  // ---- per-source CONNECT rate and authentication guard ----

  /**
   * Verifies that CONNECTs beyond a source address's rate are refused (5.0 0x9F, 3.1.1 0x03) while
   * another address still connects.
   */
  @Test
  void connectRateIsPerSourceAddress() throws Exception {
    String device = BrokerFixture.uniqueId("storm");
    String token = guarded.deviceToken(device, TENANT);
    int refused = 0;
    for (int i = 0; i < 12; i++) {
      Mqtt5AsyncClient c = v5(guarded, device + i, new CompletableFuture<>(), null, "127.0.0.3");
      try {
        connectWithPassword(c, device, token);
        c.disconnect();
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(((Mqtt5ConnAckException) e.getCause()).getMqttMessage().getReasonCode())
            .isEqualTo(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED);
        refused++;
      }
    }
    assertThat(refused).isGreaterThan(0);
    Mqtt3BlockingClient v3 =
        MqttClient.builder()
            .useMqttVersion3()
            .identifier(device + "-v3")
            .serverHost("127.0.0.1")
            .serverPort(guarded.port)
            .transportConfig()
            .localAddress("127.0.0.3")
            .applyTransportConfig()
            .buildBlocking();
    for (int i = 0; i < 10 && v3.getState().isConnected() == false; i++) {
      Mqtt3ConnAckException e =
          catchThrowableOfType(
              Mqtt3ConnAckException.class,
              () ->
                  v3.connectWith()
                      .simpleAuth()
                      .username(device)
                      .password(token.getBytes(StandardCharsets.UTF_8))
                      .applySimpleAuth()
                      .send());
      if (e != null) {
        assertThat(e.getMqttMessage().getReturnCode())
            .isEqualTo(Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE);
        break;
      }
      v3.disconnect();
    }
    Mqtt5AsyncClient other =
        v5(guarded, device + "-other", new CompletableFuture<>(), null, "127.0.0.4");
    assertThat(connectWithPassword(other, device, token).getReasonCode())
        .isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    other.disconnect();
  }

  /**
   * Verifies that a source address sending bad tokens is throttled (0x9F) before its next token is
   * even checked, while a good client from another address is served.
   */
  @Test
  void badTokenFloodIsThrottledPerSource() throws Exception {
    String device = BrokerFixture.uniqueId("victim");
    for (int i = 0; i < 3; i++) {
      Mqtt5AsyncClient bad = v5(guarded, "bad" + i, new CompletableFuture<>(), null, "127.0.0.5");
      java.util.concurrent.ExecutionException e =
          catchThrowableOfType(
              java.util.concurrent.ExecutionException.class,
              () -> connectWithPassword(bad, device, "a.b.c"));
      assertThat(((Mqtt5ConnAckException) e.getCause()).getMqttMessage().getReasonCode())
          .isNotEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    }
    String good = guarded.deviceToken(device, TENANT);
    Mqtt5AsyncClient sameSource = v5(guarded, "same", new CompletableFuture<>(), null, "127.0.0.5");
    java.util.concurrent.ExecutionException e =
        catchThrowableOfType(
            java.util.concurrent.ExecutionException.class,
            () -> connectWithPassword(sameSource, device, good));
    assertThat(((Mqtt5ConnAckException) e.getCause()).getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED);
    assertThat(guarded.counter("busbar.mqtt.connect.refused", "reason", "throttled"))
        .isGreaterThan(0);
    Mqtt5AsyncClient elsewhere =
        v5(guarded, "elsewhere", new CompletableFuture<>(), null, "127.0.0.6");
    assertThat(connectWithPassword(elsewhere, device, good).getReasonCode())
        .isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    elsewhere.disconnect();
  }

  // ---- TLS ----

  /**
   * Verifies that the TLS listener serves a real client that trusts the generated development
   * certificate, over TLS 1.3 and TLS 1.2, and that a TLS 1.1 client is refused.
   */
  @Test
  void tlsListenerWithGeneratedCertificate() throws Exception {
    int tlsPort = broker.verticle.actualTlsPort();
    assertThat(tlsPort).isPositive();
    Path cert = tlsDir.resolve(DevCertificate.CERT_FILE);
    assertThat(cert).exists();
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      trust.setCertificateEntry(
          "busbar", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
      String device = BrokerFixture.uniqueId("tls");
      Mqtt5BlockingClient c =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier(device)
              .serverHost("localhost")
              .serverPort(tlsPort)
              .sslConfig()
              .trustManagerFactory(tmf)
              .protocols(List.of(protocol))
              .applySslConfig()
              .buildBlocking();
      c.connectWith()
          .simpleAuth()
          .username(device)
          .password(broker.deviceToken(device, TENANT).getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth()
          .send();
      try (var publishes = c.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
        c.subscribeWith().topicFilter("devices/" + device + "/commands/#").send();
        c.publishWith().topic("devices/" + device + "/commands/x").payload(new byte[] {42}).send();
        assertThat(publishes.receive(5, TimeUnit.SECONDS)).isPresent();
      }
      c.disconnect();
    }
    Mqtt5BlockingClient old =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("tls11")
            .serverHost("localhost")
            .serverPort(tlsPort)
            .sslConfig()
            .trustManagerFactory(tmf)
            .protocols(List.of("TLSv1.1"))
            .applySslConfig()
            .buildBlocking();
    Throwable e = catchThrowableOfType(RuntimeException.class, old::connect);
    assertThat(e).as("TLS 1.1 must not connect").isNotNull();
  }
}
