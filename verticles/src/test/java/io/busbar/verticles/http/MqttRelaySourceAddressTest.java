package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.security.ratelimit.RateLimitConfig;
import io.busbar.security.relay.RelayTrust;
import io.busbar.security.revocation.RevocationList;
import io.busbar.verticles.mqtt.MqttBrokerVerticle;
import io.busbar.verticles.mqtt.MqttConfig;
import io.busbar.verticles.mqtt.MqttSecurityConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker sees the real address of clients whose MQTT over WebSocket connection {@code /mqtt}
 * relays ({@link RelayTrust}): per-source CONNECT limits apply per client, not to the relay's
 * loopback address.
 */
@Timeout(30)
class MqttRelaySourceAddressTest {

  private static Vertx vertx;
  private static DevelopmentIssuer issuer;
  private static int httpPort;
  private static int brokerWebSocketPort;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    issuer = DevelopmentIssuer.loadOrCreate(vertx, Files.createTempDirectory("busbar-relay"));
    // one CONNECT per source address, then (practically) none
    RateLimitConfig oneConnectPerSource =
        new RateLimitConfig(0, 1, 0, 1, 0.001, 1, RateLimitConfig.DEFAULT_MAX_TRACKED_KEYS);
    MqttBrokerVerticle broker =
        new MqttBrokerVerticle(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withWebSocketPort(0),
            MqttSecurityConfig.off().withRateLimits(oneConnectPerSource),
            issuer.authenticator(),
            new RevocationList(),
            TopicAcl.defaults(),
            DecoderTable.defaults(),
            registry);
    vertx.deployVerticle(broker).await(10, TimeUnit.SECONDS);
    brokerWebSocketPort = broker.actualWebSocketPort();
    HttpVerticle http =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-relay")
                .withMqttUpstream(
                    "127.0.0.1", brokerWebSocketPort, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE),
            new JsonObject(),
            registry);
    vertx.deployVerticle(http).await(10, TimeUnit.SECONDS);
    httpPort = http.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A HiveMQ 5.0 client over {@code ws://host:port/mqtt} from {@code localAddress}. */
  private static Mqtt5BlockingClient client(String localAddress, String host, int port, String id) {
    return MqttClient.builder()
        .useMqttVersion5()
        .identifier(id)
        .transportConfig()
        .serverHost(host)
        .serverPort(port)
        .localAddress(localAddress)
        .webSocketConfig()
        .serverPath("mqtt")
        .applyWebSocketConfig()
        .applyTransportConfig()
        .buildBlocking();
  }

  private static void connect(Mqtt5BlockingClient client, String id) {
    String token = issuer.mint(new TokenRequest(id, "default", Set.of("app"), Duration.ofHours(1)));
    client
        .connectWith()
        .simpleAuth()
        .username(id)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
  }

  /**
   * Verifies that two relayed clients from distinct loopback addresses (127.0.0.2, 127.0.0.3) each
   * get their own CONNECT allowance, and a second CONNECT from the same address is refused with
   * 0x9F connection rate exceeded.
   */
  @Test
  void limitsRelayedClientsPerRealAddress() {
    Mqtt5BlockingClient first = client("127.0.0.2", "127.0.0.1", httpPort, "relay-a1");
    connect(first, "relay-a1");
    Mqtt5BlockingClient other = client("127.0.0.3", "127.0.0.1", httpPort, "relay-b1");
    connect(other, "relay-b1"); // before the fix: refused, both came from 127.0.0.1
    Mqtt5BlockingClient again = client("127.0.0.2", "127.0.0.1", httpPort, "relay-a2");
    assertThatThrownBy(() -> connect(again, "relay-a2"))
        .isInstanceOf(Mqtt5ConnAckException.class)
        .satisfies(
            e ->
                assertThat(((Mqtt5ConnAckException) e).getMqttMessage().getReasonCode())
                    .isEqualTo(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED));
    for (Mqtt5BlockingClient c : List.of(first, other)) {
      c.disconnect();
    }
  }

  /**
   * Verifies that a client reaching the broker's WebSocket listener directly cannot pose as another
   * address: without the relay's secret its forwarded address is ignored (its own address is used,
   * which has its CONNECT already).
   */
  @Test
  void ignoresForwardedAddressWithoutSecret() {
    Mqtt5BlockingClient direct =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("direct-1")
            .transportConfig()
            .serverHost("127.0.0.1")
            .serverPort(brokerWebSocketPort)
            .localAddress("127.0.0.4")
            .webSocketConfig()
            .serverPath("mqtt")
            .httpHeaders(java.util.Map.of(RelayTrust.FORWARDED_FOR, "10.9.9.9"))
            .applyWebSocketConfig()
            .applyTransportConfig()
            .buildBlocking();
    connect(direct, "direct-1");
    direct.disconnect();
    Mqtt5BlockingClient forged =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("direct-2")
            .transportConfig()
            .serverHost("127.0.0.1")
            .serverPort(brokerWebSocketPort)
            .localAddress("127.0.0.4")
            .webSocketConfig()
            .serverPath("mqtt")
            .httpHeaders(
                java.util.Map.of(
                    RelayTrust.FORWARDED_FOR, "10.9.9.8", RelayTrust.SECRET_HEADER, "guessed"))
            .applyWebSocketConfig()
            .applyTransportConfig()
            .buildBlocking();
    assertThatThrownBy(() -> connect(forged, "direct-2")).isInstanceOf(Mqtt5ConnAckException.class);
  }
}
