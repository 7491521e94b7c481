package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigException;
import io.busbar.hub.config.ConfigValues;
import io.busbar.security.jwt.TokenRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code acl} section of a config file applied by a running node to real MQTT 5 clients: a
 * device granted an extra topic, anonymous clients denied one, and a bad template named by key.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AclConfigTest {

  @TempDir static Path dataDir;

  private static Node node;

  /** Devices keep their own topics and gain a tenant notice board; anonymous: no secrets. */
  private static final String ACL =
      """
      mqtt:
        allow-anonymous: true
      acl:
        device:
          publish: ["devices/{sub}/#", "plant/{tenant}/notices/{sub}"]
          subscribe: ["devices/{sub}/commands/#", "plant/{tenant}/notices/#"]
        anonymous:
          deny-publish: ["devices/{sub}/secrets/#"]
      """;

  @BeforeAll
  static void startNode() throws Exception {
    Path file = dataDir.resolve("acl.yaml");
    Files.writeString(file, ACL);
    BusbarConfig config =
        BusbarConfig.from(
            ConfigValues.defaults()
                .withFile(file)
                .with(
                    Map.of(
                        "mqtt.port", "0",
                        "http.port", "0",
                        "node.id", "acl",
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
   * Verifies that a device may publish and subscribe to the topics the config grants it beyond the
   * defaults, keeps its default topics, and is still refused another device's notice (0x87).
   */
  @Test
  void deviceGetsTheExtraTopic() throws Exception {
    Mqtt5BlockingClient device = client("press-1");
    String token =
        node.issuer().mint(new TokenRequest("press-1", "acme", Set.of(), Duration.ofHours(1)));
    device
        .connectWith()
        .simpleAuth()
        .username("press-1")
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    try (var publishes = device.publishes(MqttGlobalPublishFilter.ALL)) {
      device.subscribeWith().topicFilter("plant/acme/notices/#").send();
      var ack =
          device.publishWith().topic("plant/acme/notices/press-1").payload(new byte[] {1}).send();
      assertThat(ack.getError()).isEmpty();
      assertThat(publishes.receive(5, TimeUnit.SECONDS))
          .hasValueSatisfying(
              p -> assertThat(p.getTopic().toString()).isEqualTo("plant/acme/notices/press-1"));
    }
    assertThat(reason(device, "devices/press-1/telemetry"))
        .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    assertThat(reason(device, "plant/acme/notices/press-2"))
        .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    device.disconnect();
  }

  /**
   * Verifies that an anonymous client keeps the device rules but is refused the topic the config
   * denies it (0x87), while a device with a token may still publish there.
   */
  @Test
  void anonymousIsDeniedTheTopic() {
    Mqtt5BlockingClient anonymous = client("kiosk-1");
    anonymous.connect();
    assertThat(reason(anonymous, "devices/kiosk-1/telemetry"))
        .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    assertThat(reason(anonymous, "devices/kiosk-1/secrets/key"))
        .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    anonymous.disconnect();

    Mqtt5BlockingClient device = client("press-3");
    String token =
        node.issuer().mint(new TokenRequest("press-3", "acme", Set.of(), Duration.ofHours(1)));
    device
        .connectWith()
        .simpleAuth()
        .username("press-3")
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    assertThat(reason(device, "devices/press-3/secrets/key"))
        .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    device.disconnect();
  }

  /** Verifies that a bad template is a config error naming its key. */
  @Test
  void badTemplateNamesItsKey() throws Exception {
    Path file = dataDir.resolve("bad-acl.yaml");
    Files.writeString(file, "acl:\n  app:\n    subscribe: [\"#\", \"plant/#/x\"]\n");
    assertThatThrownBy(() -> BusbarConfig.from(ConfigValues.defaults().withFile(file)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("acl.app.subscribe[1]");
    Files.writeString(file, "acl:\n  robot:\n    publish: []\n");
    assertThatThrownBy(() -> BusbarConfig.from(ConfigValues.defaults().withFile(file)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("acl.robot");
  }

  private static Mqtt5BlockingClient client(String id) {
    return MqttClient.builder()
        .useMqttVersion5()
        .identifier(id)
        .serverHost("127.0.0.1")
        .serverPort(node.mqttPort())
        .buildBlocking();
  }

  /** The PUBACK reason code of a QoS 1 PUBLISH (the blocking client throws on an error code). */
  private static Mqtt5PubAckReasonCode reason(Mqtt5BlockingClient c, String topic) {
    try {
      c.publishWith()
          .topic(topic)
          .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
          .payload(new byte[] {1})
          .send();
      return Mqtt5PubAckReasonCode.SUCCESS;
    } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e) {
      return e.getMqttMessage().getReasonCode();
    }
  }
}
