package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.auth.Mqtt3SimpleAuth;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.busbar.security.revocation.RevocationList;
import io.busbar.security.tls.CertificateIdentity;
import io.busbar.security.tls.DeviceAuthPolicy;
import io.busbar.security.tls.TlsConfig;
import io.micrometer.core.instrument.Gauge;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The MQTT TLS listener with real HiveMQ clients and a test CA: the OpenSSL engine (reported in a
 * gauge) over TLS 1.3 and 1.2 with TLS 1.1 refused, client certificates as device identity under
 * the {@code certificate}, {@code both} and {@code either} policies, live connections ended at the
 * certificate's notAfter, and certificate hot reload on a live node.
 */
@Timeout(60)
class MqttMutualTlsTest {

  private static final String TENANT = "acme";

  private static TestPki pki;
  private static Path dir;

  /** Policy {@code certificate}, client certificates requested, OpenSSL, reload every 200 ms. */
  private static BrokerFixture certificateBroker;

  /** Policy {@code both}: certificate and token, naming the same device. */
  private static BrokerFixture bothBroker;

  /** Policy {@code either}: a token if given (matching the certificate, if any), else the cert. */
  private static BrokerFixture eitherBroker;

  @BeforeAll
  static void start() throws Exception {
    pki = new TestPki("busbar-test-ca");
    dir = Files.createTempDirectory("busbar-mtls-test");
    pki.writeCa(dir.resolve("ca.pem"));
    TestPki.Issued server = pki.server();
    server.write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    MqttConfig config = new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false);
    certificateBroker =
        BrokerFixture.start(config, security(DeviceAuthPolicy.CERTIFICATE), new RevocationList());
    bothBroker = BrokerFixture.start(config, security(DeviceAuthPolicy.BOTH), new RevocationList());
    eitherBroker =
        BrokerFixture.start(config, security(DeviceAuthPolicy.EITHER), new RevocationList());
  }

  private static MqttSecurityConfig security(DeviceAuthPolicy policy) {
    return MqttSecurityConfig.off()
        .withTls(0, dir.resolve("server.pem"), dir.resolve("server-key.pem"), null)
        .withTlsEngine(TlsConfig.Engine.OPENSSL, Duration.ofMillis(200))
        .withMutualTls(
            TlsConfig.ClientAuthMode.REQUEST,
            dir.resolve("ca.pem"),
            new CertificateIdentity(policy, CertificateIdentity.Field.CN, TENANT));
  }

  @AfterAll
  static void stop() {
    certificateBroker.close();
    bothBroker.close();
    eitherBroker.close();
  }

  // ---- engine ----

  /**
   * Verifies that the listener runs on OpenSSL, says so in busbar.tls.engine.info, serves TLS 1.3
   * and TLS 1.2, and refuses a TLS 1.1 client.
   */
  @Test
  void openSslEngineServesTls13And12Only() {
    Gauge engine =
        certificateBroker
            .registry
            .find("busbar.tls.engine.info")
            .tags("listener", "mqtt", "engine", "openssl")
            .gauge();
    assertThat(engine).as("engine gauge").isNotNull();
    assertThat(engine.value()).isEqualTo(1.0);
    for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
      String device = BrokerFixture.uniqueId("ossl");
      Mqtt5BlockingClient c = v5(certificateBroker, device, pki.client(device, null), protocol);
      c.connect();
      roundTrip(c, device);
      c.disconnect();
    }
    Mqtt5BlockingClient old = v5(certificateBroker, "tls11", pki.client("tls11", null), "TLSv1.1");
    Throwable e = catchThrowableOfType(RuntimeException.class, old::connect);
    assertThat(e).as("TLS 1.1 must not connect").isNotNull();
  }

  // ---- policy certificate ----

  /** Verifies that a client certificate alone logs a device in (its CN), in 5.0 and 3.1.1. */
  @Test
  void certificateOnlyLogin() {
    String device = BrokerFixture.uniqueId("cert");
    Mqtt5BlockingClient c = v5(certificateBroker, device, pki.client(device, null), null);
    c.connect();
    roundTrip(c, device);
    c.disconnect();

    String device3 = BrokerFixture.uniqueId("cert3");
    Mqtt3BlockingClient c3 = v3(certificateBroker, device3, pki.client(device3, null));
    assertThat(c3.connect().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.SUCCESS);
    c3.disconnect();
  }

  /**
   * Verifies that on a certificate listener a client without a certificate is refused (5.0 0x87,
   * 3.1.1 0x05), even with a valid token.
   */
  @Test
  void noCertificateIsRefusedWhenRequired() {
    String device = BrokerFixture.uniqueId("nocert");
    Mqtt5BlockingClient c = v5(certificateBroker, device, null, null);
    assertThat(refusal(c, device, certificateBroker.deviceToken(device, TENANT)))
        .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);

    Mqtt3BlockingClient c3 = v3(certificateBroker, device, null);
    Mqtt3ConnAckException e3 = catchThrowableOfType(Mqtt3ConnAckException.class, c3::connect);
    assertThat(e3).isNotNull();
    assertThat(e3.getMqttMessage().getReturnCode())
        .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    assertThat(
            certificateBroker.counter(
                "busbar.mqtt.connect.refused", "reason", "certificate_required"))
        .isGreaterThanOrEqualTo(2);
  }

  // ---- policy both ----

  /** Verifies that certificate and token naming the same device log in together. */
  @Test
  void bothWithMatchingTokenLogsIn() {
    String device = BrokerFixture.uniqueId("both");
    Mqtt5BlockingClient c = v5(bothBroker, device, pki.client(device, null), null);
    c.connectWith()
        .simpleAuth()
        .username(device)
        .password(bothBroker.deviceToken(device, TENANT).getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    roundTrip(c, device);
    c.disconnect();
  }

  /**
   * Verifies that a token of another device than the certificate names is refused (5.0 0x87, 3.1.1
   * 0x05), and that the certificate alone is not enough under {@code both}.
   */
  @Test
  void bothRefusesMismatchAndMissingToken() {
    String device = BrokerFixture.uniqueId("both");
    String other = BrokerFixture.uniqueId("other");
    Mqtt5BlockingClient c = v5(bothBroker, device, pki.client(device, null), null);
    assertThat(refusal(c, other, bothBroker.deviceToken(other, TENANT)))
        .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);

    Mqtt3BlockingClient c3 = v3(bothBroker, device, pki.client(device, null));
    assertThat(refusal(c3, other, bothBroker.deviceToken(other, TENANT)))
        .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);

    Mqtt5BlockingClient certOnly = v5(bothBroker, device, pki.client(device, null), null);
    Mqtt5ConnAckException missing =
        catchThrowableOfType(Mqtt5ConnAckException.class, certOnly::connect);
    assertThat(missing).isNotNull();
    assertThat(missing.getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);

    Mqtt5BlockingClient tokenOnly = v5(bothBroker, device, null, null);
    assertThat(refusal(tokenOnly, device, bothBroker.deviceToken(device, TENANT)))
        .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    assertThat(bothBroker.counter("busbar.mqtt.connect.refused", "reason", "certificate_mismatch"))
        .as(
            () ->
                bothBroker.registry.find("busbar.mqtt.connect.refused").counters().stream()
                    .filter(x -> x.count() > 0)
                    .map(x -> x.getId().getTag("reason") + "=" + x.count())
                    .toList()
                    .toString())
        .isGreaterThanOrEqualTo(2);
  }

  // ---- policy either ----

  /**
   * Verifies that under {@code either} a certificate without token logs in, a token without
   * certificate logs in, and a token whose sub is not the device the certificate names is refused
   * (5.0 0x87, 3.1.1 0x05).
   */
  @Test
  void eitherAcceptsCertificateOrTokenButNotAContradiction() {
    String device = BrokerFixture.uniqueId("either");
    Mqtt5BlockingClient certOnly = v5(eitherBroker, device, pki.client(device, null), null);
    certOnly.connect();
    roundTrip(certOnly, device);
    certOnly.disconnect();

    String tokenDevice = BrokerFixture.uniqueId("etok");
    Mqtt5BlockingClient tokenOnly = v5(eitherBroker, tokenDevice, null, null);
    tokenOnly
        .connectWith()
        .simpleAuth()
        .username(tokenDevice)
        .password(eitherBroker.deviceToken(tokenDevice, TENANT).getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    roundTrip(tokenOnly, tokenDevice);
    tokenOnly.disconnect();

    String other = BrokerFixture.uniqueId("eother");
    Mqtt5BlockingClient contradiction = v5(eitherBroker, device, pki.client(device, null), null);
    assertThat(refusal(contradiction, null, eitherBroker.deviceToken(other, TENANT)))
        .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);

    Mqtt3BlockingClient c3 = v3(eitherBroker, device, pki.client(device, null));
    assertThat(refusal(c3, other, eitherBroker.deviceToken(other, TENANT)))
        .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    assertThat(
            eitherBroker.counter("busbar.mqtt.connect.refused", "reason", "certificate_mismatch"))
        .isGreaterThanOrEqualTo(2);
  }

  // ---- certificate expiry on live connections ----

  /**
   * Verifies that a device logged in by a short-lived client certificate alone is disconnected at
   * the certificate's notAfter: 5.0 DISCONNECT 0xA0 "certificate expired", 3.1.1 closed.
   */
  @Test
  void certificateExpiryDisconnects() throws Exception {
    String device = BrokerFixture.uniqueId("certexp");
    CompletableFuture<Throwable> gone = new CompletableFuture<>();
    Mqtt5AsyncClient c =
        v5Async(certificateBroker, device, pki.client(device, null, Duration.ofSeconds(3)), gone);
    c.connect().get(10, TimeUnit.SECONDS);
    String device3 = BrokerFixture.uniqueId("certexp3");
    Mqtt3BlockingClient c3 =
        v3(certificateBroker, device3, pki.client(device3, null, Duration.ofSeconds(3)));
    assertThat(c3.connect().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.SUCCESS);

    Mqtt5DisconnectException e = serverDisconnect(gone);
    assertThat(e.getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.MAXIMUM_CONNECT_TIME);
    assertThat(e.getMqttMessage().getReasonString())
        .hasValueSatisfying(r -> assertThat(r.toString()).isEqualTo("certificate expired"));
    await(() -> !c3.getState().isConnected());
    assertThat(certificateBroker.counter("busbar.mqtt.disconnect.certificate.expired"))
        .isGreaterThanOrEqualTo(2);
  }

  /**
   * Verifies that under {@code both} the earlier of the token's exp and the certificate's notAfter
   * ends the connection, each with its own reason string.
   */
  @Test
  void bothEndsAtTheEarlierOfTokenAndCertificate() throws Exception {
    String shortCert = BrokerFixture.uniqueId("shortcert");
    CompletableFuture<Throwable> certGone = new CompletableFuture<>();
    Mqtt5AsyncClient a =
        v5Async(
            bothBroker, shortCert, pki.client(shortCert, null, Duration.ofSeconds(3)), certGone);
    connectWithToken(a, bothBroker.deviceToken(shortCert, TENANT, Duration.ofHours(1)));

    String shortToken = BrokerFixture.uniqueId("shorttok");
    CompletableFuture<Throwable> tokenGone = new CompletableFuture<>();
    Mqtt5AsyncClient b = v5Async(bothBroker, shortToken, pki.client(shortToken, null), tokenGone);
    connectWithToken(b, bothBroker.deviceToken(shortToken, TENANT, Duration.ofSeconds(2)));

    for (var expected :
        List.of(
            Map.entry(certGone, "certificate expired"), Map.entry(tokenGone, "token expired"))) {
      Mqtt5DisconnectException e = serverDisconnect(expected.getKey());
      assertThat(e.getMqttMessage().getReasonCode())
          .isEqualTo(Mqtt5DisconnectReasonCode.MAXIMUM_CONNECT_TIME);
      assertThat(e.getMqttMessage().getReasonString())
          .hasValueSatisfying(r -> assertThat(r.toString()).isEqualTo(expected.getValue()));
    }
  }

  // ---- hot reload ----

  /**
   * Verifies that replacing the certificate files of a live listener keeps an open TLS connection
   * working while a new connection sees the new certificate, and that a broken new certificate
   * keeps the previous one serving and is counted.
   */
  @Test
  void certificateHotReload() throws Exception {
    // its own broker: the files are replaced under it
    Path own = Files.createTempDirectory("busbar-reload-test");
    Path cert = own.resolve("server.pem");
    Path key = own.resolve("server-key.pem");
    pki.server().write(cert, key);
    BrokerFixture live =
        BrokerFixture.start(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false),
            MqttSecurityConfig.off()
                .withTls(0, cert, key, null)
                .withTlsEngine(TlsConfig.Engine.AUTO, Duration.ofMillis(200)),
            new RevocationList());
    try {
      BigInteger before = servedCertificate(live).getSerialNumber();
      String device = BrokerFixture.uniqueId("reload");
      Mqtt5BlockingClient open = v5(live, device, null, null);
      open.connectWith()
          .simpleAuth()
          .username(device)
          .password(live.deviceToken(device, TENANT).getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth()
          .send();

      TestPki.Issued renewed = pki.server();
      renewed.write(cert, key);
      await(
          () -> live.counter("busbar.tls.reload", "listener", "mqtt", "outcome", "reloaded") >= 1);
      assertThat(servedCertificate(live).getSerialNumber())
          .isEqualTo(renewed.certificate().getSerialNumber())
          .isNotEqualTo(before);
      roundTrip(open, device); // negotiated before the reload, still working

      Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
      await(() -> live.counter("busbar.tls.reload", "listener", "mqtt", "outcome", "failed") >= 1);
      assertThat(servedCertificate(live).getSerialNumber())
          .isEqualTo(renewed.certificate().getSerialNumber());
      String late = BrokerFixture.uniqueId("late");
      Mqtt5BlockingClient after = v5(live, late, null, null);
      after
          .connectWith()
          .simpleAuth()
          .username(late)
          .password(live.deviceToken(late, TENANT).getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth()
          .send();
      roundTrip(after, late);
      after.disconnect();
      open.disconnect();
    } finally {
      live.close();
    }
  }

  // ---- helpers ----

  /** The certificate a plain JDK TLS client is served by the listener now. */
  private static X509Certificate servedCertificate(BrokerFixture fixture) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, pki.trustManagers().getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket("localhost", fixture.verticle.actualTlsPort())) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /** The reason code of a CONNECT refused with this user name (none when null) and token. */
  private static Mqtt5ConnAckReasonCode refusal(
      Mqtt5BlockingClient c, String username, String token) {
    Mqtt5SimpleAuth auth =
        username == null
            ? Mqtt5SimpleAuth.builder().password(token.getBytes(StandardCharsets.UTF_8)).build()
            : Mqtt5SimpleAuth.builder()
                .username(username)
                .password(token.getBytes(StandardCharsets.UTF_8))
                .build();
    Mqtt5ConnAckException e =
        catchThrowableOfType(
            Mqtt5ConnAckException.class, () -> c.connectWith().simpleAuth(auth).send());
    assertThat(e).as("the CONNECT is refused").isNotNull();
    return e.getMqttMessage().getReasonCode();
  }

  /** The return code of a 3.1.1 CONNECT refused with this user name and token. */
  private static Mqtt3ConnAckReturnCode refusal(
      Mqtt3BlockingClient c, String username, String token) {
    Mqtt3SimpleAuth auth =
        Mqtt3SimpleAuth.builder()
            .username(username)
            .password(token.getBytes(StandardCharsets.UTF_8))
            .build();
    Mqtt3ConnAckException e =
        catchThrowableOfType(
            Mqtt3ConnAckException.class, () -> c.connectWith().simpleAuth(auth).send());
    assertThat(e).as("the CONNECT is refused").isNotNull();
    return e.getMqttMessage().getReturnCode();
  }

  private static void roundTrip(Mqtt5BlockingClient c, String device) {
    try (var publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
      c.subscribeWith().topicFilter("devices/" + device + "/commands/#").send();
      c.publishWith().topic("devices/" + device + "/commands/x").payload(new byte[] {42}).send();
      assertThat(publishes.receive(5, TimeUnit.SECONDS)).isPresent();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Mqtt5AsyncClient v5Async(
      BrokerFixture fixture,
      String id,
      TestPki.Issued clientCert,
      CompletableFuture<Throwable> disconnected) {
    return MqttClient.builder()
        .useMqttVersion5()
        .identifier(id)
        .serverHost("localhost")
        .serverPort(fixture.verticle.actualTlsPort())
        .sslConfig(ssl(clientCert, null))
        .addDisconnectedListener(
            (MqttClientDisconnectedContext ctx) -> disconnected.complete(ctx.getCause()))
        .buildAsync();
  }

  private static void connectWithToken(Mqtt5AsyncClient c, String token) throws Exception {
    c.connectWith()
        .simpleAuth()
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .get(10, TimeUnit.SECONDS);
  }

  /** The DISCONNECT the server sent, waiting up to 10 s. */
  private static Mqtt5DisconnectException serverDisconnect(CompletableFuture<Throwable> gone)
      throws Exception {
    Throwable cause = gone.get(10, TimeUnit.SECONDS);
    assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
    return (Mqtt5DisconnectException) cause;
  }

  private static Mqtt5BlockingClient v5(
      BrokerFixture fixture, String id, TestPki.Issued clientCert, String protocol) {
    return MqttClient.builder()
        .useMqttVersion5()
        .identifier(id)
        .serverHost("localhost")
        .serverPort(fixture.verticle.actualTlsPort())
        .sslConfig(ssl(clientCert, protocol))
        .buildBlocking();
  }

  private static Mqtt3BlockingClient v3(
      BrokerFixture fixture, String id, TestPki.Issued clientCert) {
    return MqttClient.builder()
        .useMqttVersion3()
        .identifier(id)
        .serverHost("localhost")
        .serverPort(fixture.verticle.actualTlsPort())
        .sslConfig(ssl(clientCert, null))
        .buildBlocking();
  }

  private static com.hivemq.client.mqtt.MqttClientSslConfig ssl(
      TestPki.Issued clientCert, String protocol) {
    MqttClientSslConfigBuilder builder =
        com.hivemq.client.mqtt.MqttClientSslConfig.builder()
            .trustManagerFactory(pki.trustManagers());
    if (clientCert != null) {
      builder = builder.keyManagerFactory(clientCert.keyManagers());
    }
    if (protocol != null) {
      builder = builder.protocols(List.of(protocol));
    }
    return builder.build();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(50);
    }
  }
}
