package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.busbar.codecs.bus.Addresses;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigValues;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.security.revocation.Revocation;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The hub's security wiring: revocations on the event bus reach the broker of the node. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeSecurityTest {

  @TempDir static Path dataDir;

  private static Node node;

  @BeforeAll
  static void startNode() throws Exception {
    BusbarConfig config =
        BusbarConfig.from(
            ConfigValues.defaults()
                .with(
                    Map.of(
                        "mqtt.port", "0",
                        "http.port", "0",
                        "node.id", "security",
                        "node.data-dir", dataDir.toString()),
                    "test"));
    node = Main.await(Node.start(config), "start the node");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      Main.await(node.close(), "stop the node");
    }
  }

  /**
   * Verifies that a revocation published on {@code busbar.security.revocations} closes the live
   * connection of the token it names within a second (DISCONNECT 0x87).
   */
  @Test
  void revocationOnTheEventBusClosesTheConnection() throws Exception {
    String token =
        node.issuer().mint(new TokenRequest("press-7", "default", Set.of(), Duration.ofHours(1)));
    CompletableFuture<Throwable> gone = new CompletableFuture<>();
    Mqtt5AsyncClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("press-7")
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort())
            .addDisconnectedListener(ctx -> gone.complete(ctx.getCause()))
            .buildAsync();
    client
        .connectWith()
        .simpleAuth()
        .username("press-7")
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .get(10, TimeUnit.SECONDS);
    long start = System.nanoTime();
    node.vertx()
        .eventBus()
        .publish(
            Addresses.REVOCATIONS,
            new Revocation(Revocation.Kind.DEVICE, "default", "press-7", Long.MAX_VALUE).toJson());
    node.vertx().eventBus().publish(Addresses.REVOCATIONS, new JsonObject().put("kind", "BOGUS"));
    Throwable cause = gone.get(5, TimeUnit.SECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
    assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
    assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED);
    assertThat(node.revocations().snapshot()).hasSize(1);
  }
}
