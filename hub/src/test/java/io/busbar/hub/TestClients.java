package io.busbar.hub;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/** Small helpers shared by the tests that drive nodes from outside. */
final class TestClients {

  private TestClients() {}

  /** Mints a token with the development key kept in a node's data directory. */
  static String mint(Path dataDir, String subject, String... roles) {
    Vertx vertx = Vertx.vertx();
    try {
      return DevelopmentIssuer.loadOrCreate(vertx, dataDir)
          .mint(new TokenRequest(subject, "default", Set.of(roles), Duration.ofHours(1)));
    } finally {
      vertx.close();
    }
  }

  /** Connects an MQTT 5 client with a token as its password. */
  static Mqtt5BlockingClient connect(int port, String clientId, String token) {
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(clientId)
            .serverHost("127.0.0.1")
            .serverPort(port)
            .buildBlocking();
    client
        .connectWith()
        .simpleAuth()
        .username(clientId)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    return client;
  }

  /** Publishes one message at QoS 1 and disconnects. */
  static void publish(int port, String clientId, String token, String topic, String payload) {
    Mqtt5BlockingClient client = connect(port, clientId, token);
    client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(payload.getBytes(StandardCharsets.UTF_8))
        .send();
    client.disconnect();
  }

  /** A config file for a test cluster: its own name, members on loopback. */
  static Path clusterConfig(Path dir, String clusterName) throws Exception {
    Files.createDirectories(dir);
    Path file = dir.resolve("cluster.yaml");
    int port = 15701 + (int) (ProcessHandle.current().pid() % 200) * 10;
    Files.writeString(
        file,
        "cluster:\n  name: "
            + clusterName
            + "\n  port: "
            + port
            + "\n  members: 127.0.0.1:"
            + port
            + "-"
            + (port + 5)
            + "\nsecurity:\n  dev-key-dir: "
            + dir.resolve("keys").toAbsolutePath()
            + "\n");
    return file;
  }
}
