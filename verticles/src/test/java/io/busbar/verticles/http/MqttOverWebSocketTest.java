package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.verticles.mqtt.MqttBrokerVerticle;
import io.busbar.verticles.mqtt.MqttConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MQTT over WebSocket at {@code /mqtt} on the HTTP port, relayed to the broker's own WebSocket
 * listener: real HiveMQ and Paho clients over {@code ws://}, a plain TCP client beside them, and
 * refused upgrades.
 */
@Timeout(30)
class MqttOverWebSocketTest {

  private static Vertx vertx;
  private static PrometheusMeterRegistry registry;
  private static DevelopmentIssuer issuer;
  private static int mqttPort;
  private static int httpPort;
  private static WebClient http;
  private static WebSocketClient ws;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    issuer = DevelopmentIssuer.loadOrCreate(vertx, Files.createTempDirectory("busbar-mqtt-ws"));
    MqttBrokerVerticle broker =
        new MqttBrokerVerticle(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withWebSocketPort(0),
            issuer.authenticator(),
            TopicAcl.defaults(),
            DecoderTable.defaults(),
            registry);
    vertx.deployVerticle(broker).await(10, TimeUnit.SECONDS);
    mqttPort = broker.actualPort();
    HttpVerticle verticle =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-ws")
                .withMqttUpstream(
                    "127.0.0.1", broker.actualWebSocketPort(), MqttConfig.DEFAULT_MAX_MESSAGE_SIZE),
            new JsonObject(),
            registry);
    vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
    httpPort = verticle.actualPort();
    http = WebClient.create(vertx);
    ws = vertx.createWebSocketClient();
  }

  @AfterAll
  static void stop() throws Exception {
    http.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String token(String subject) {
    return issuer.mint(new TokenRequest(subject, "default", Set.of("app"), Duration.ofHours(1)));
  }

  private static Mqtt5BlockingClient connect(String clientId, boolean webSocket) {
    var builder =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(clientId)
            .serverHost("127.0.0.1")
            .serverPort(webSocket ? httpPort : mqttPort);
    if (webSocket) {
      builder = builder.webSocketConfig().serverPath("mqtt").applyWebSocketConfig();
    }
    Mqtt5BlockingClient client = builder.buildBlocking();
    client
        .connectWith()
        .simpleAuth()
        .username(clientId)
        .password(token(clientId).getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    return client;
  }

  /** Verifies that a WebSocket client sees its own messages and a TCP client sees them too. */
  @Test
  void webSocketClientPublishesAndSubscribes() throws Exception {
    Mqtt5BlockingClient browser = connect("browser-1", true);
    Mqtt5BlockingClient tcp = connect("backend-1", false);
    try (var wsPublishes = browser.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL);
        var tcpPublishes = tcp.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
      browser.subscribeWith().topicFilter("plant/ws/#").qos(MqttQos.AT_LEAST_ONCE).send();
      tcp.subscribeWith().topicFilter("plant/ws/#").qos(MqttQos.AT_LEAST_ONCE).send();

      browser
          .publishWith()
          .topic("plant/ws/line-1")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload("hello".getBytes(StandardCharsets.UTF_8))
          .send();

      Optional<Mqtt5Publish> own = wsPublishes.receive(5, TimeUnit.SECONDS);
      Optional<Mqtt5Publish> seen = tcpPublishes.receive(5, TimeUnit.SECONDS);
      assertThat(own).isPresent();
      assertThat(new String(own.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
          .isEqualTo("hello");
      assertThat(seen).isPresent();
      assertThat(seen.get().getTopic().toString()).isEqualTo("plant/ws/line-1");

      // and the other way: TCP to WebSocket, a larger payload than one TCP segment
      byte[] big = new byte[200_000];
      tcp.publishWith().topic("plant/ws/big").qos(MqttQos.AT_LEAST_ONCE).payload(big).send();
      Optional<Mqtt5Publish> bigSeen = wsPublishes.receive(5, TimeUnit.SECONDS);
      assertThat(bigSeen).isPresent();
      assertThat(bigSeen.get().getPayloadAsBytes()).hasSize(big.length);
    } finally {
      browser.disconnect();
      tcp.disconnect();
    }
    assertThat(registry.get("busbar.http.mqtt.ws.connections").counter().count())
        .isGreaterThanOrEqualTo(1);
    // the client's close reaches the relay, which closes its broker side too
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (registry.get("busbar.http.mqtt.ws.active").gauge().value() > 0
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(registry.get("busbar.http.mqtt.ws.active").gauge().value()).isZero();
  }

  /** Verifies that a Paho v3 client connects over a {@code ws://} URI and round-trips a message. */
  @Test
  void pahoV3OverWebSocket() throws Exception {
    var client =
        new org.eclipse.paho.client.mqttv3.MqttClient(
            "ws://127.0.0.1:" + httpPort + "/mqtt", "paho-ws-1", new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    options.setUserName("paho-ws-1");
    options.setPassword(token("paho-ws-1").toCharArray());
    client.connect(options);
    try {
      var received = new java.util.concurrent.CompletableFuture<String>();
      client.subscribe(
          "plant/paho/#",
          1,
          (topic, message) ->
              received.complete(new String(message.getPayload(), StandardCharsets.UTF_8)));
      client.publish("plant/paho/x", "via paho".getBytes(StandardCharsets.UTF_8), 1, false);
      assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo("via paho");
    } finally {
      client.disconnect();
      client.close();
    }
  }

  /** Verifies that a bad token over WebSocket gets the broker's own CONNACK refusal. */
  @Test
  void badTokenGetsConnAckRefusal() {
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("intruder")
            .serverHost("127.0.0.1")
            .serverPort(httpPort)
            .webSocketConfig()
            .serverPath("mqtt")
            .applyWebSocketConfig()
            .buildBlocking();
    assertThatThrownBy(
            () ->
                client
                    .connectWith()
                    .simpleAuth()
                    .username("intruder")
                    .password("not-a-jwt".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .send())
        .isInstanceOf(Mqtt5ConnAckException.class);
  }

  /** Verifies that an upgrade offering another sub-protocol is refused with 400 and counted. */
  @Test
  void otherSubprotocolIsRefused() throws Exception {
    double before = refused("subprotocol");
    Throwable failure =
        ws.connect(
                        new WebSocketConnectOptions()
                            .setHost("127.0.0.1")
                            .setPort(httpPort)
                            .setURI("/mqtt")
                            .addSubProtocol("mqttv3.1"))
                    .map(Object.class::cast)
                    .otherwise(e -> e)
                    .await(5, TimeUnit.SECONDS)
                instanceof Throwable t
            ? t
            : null;
    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) failure).getStatus()).isEqualTo(400);
    assertThat(refused("subprotocol")).isEqualTo(before + 1);
  }

  /** Verifies that a plain GET at {@code /mqtt} is a 400, not a crash. */
  @Test
  void plainRequestIsRefused() throws Exception {
    var response = http.get(httpPort, "127.0.0.1", "/mqtt").send().await(5, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(400);
  }

  /** Verifies that an unreachable broker listener gives 503 to the upgrade. */
  @Test
  void unreachableBrokerIs503() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    HttpVerticle orphan =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-orphan")
                .withMqttUpstream("127.0.0.1", closedPort, 65_536),
            new JsonObject(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    String id = vertx.deployVerticle(orphan).await(10, TimeUnit.SECONDS);
    try {
      Object outcome =
          ws.connect(
                  new WebSocketConnectOptions()
                      .setHost("127.0.0.1")
                      .setPort(orphan.actualPort())
                      .setURI("/mqtt")
                      .addSubProtocol("mqtt"))
              .map(Object.class::cast)
              .otherwise(e -> e)
              .await(5, TimeUnit.SECONDS);
      assertThat(outcome).isInstanceOf(UpgradeRejectedException.class);
      assertThat(((UpgradeRejectedException) outcome).getStatus()).isEqualTo(503);
    } finally {
      vertx.undeploy(id).await(5, TimeUnit.SECONDS);
    }
  }

  private static double refused(String reason) {
    return registry.get("busbar.http.mqtt.ws.refused").tag("reason", reason).counter().count();
  }
}
