package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigValues;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device writing readings over HTTP to a whole node with authentication on: the node's decoder
 * table and the MQTT message size limit apply, and the readings reach the store and live state.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpIngestEndToEndTest {

  @TempDir static Path dataDir;
  private static Node node;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    node =
        Main.await(
            Node.start(
                BusbarConfig.from(
                    ConfigValues.defaults()
                        .with(
                            Map.of(
                                "mqtt.port", "0",
                                "http.port", "0",
                                "http.require-auth", "true",
                                "mqtt.max-message-size", "4096",
                                "node.data-dir", dataDir.toString(),
                                "storage.flush-interval", "20ms"),
                            "test"))),
            "start the node");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      Main.await(node.close(), "stop the node");
    }
  }

  /**
   * Verifies that a device's POSTed JSON is answered 202 and then shows in stored readings and live
   * state, another device's id is 403, and a body over mqtt.max-message-size is 413.
   */
  @Test
  void deviceReadingsReachStoreAndLiveState() throws Exception {
    String device = TestClients.mint(dataDir, "http-1");
    HttpResponse<String> taken = post("http-1", device, "{\"metrics\":{\"temperature\":20.6}}");
    assertThat(taken.statusCode()).as(taken.body()).isEqualTo(202);
    assertThat(post("http-2", device, "{\"metrics\":{\"temperature\":1}}").statusCode())
        .isEqualTo(403);
    assertThat(
            post("http-1", device, "{\"metrics\":{\"x\":\"" + "y".repeat(5000) + "\"}}")
                .statusCode())
        .isEqualTo(413);

    String app = TestClients.mint(dataDir, "mes", "app");
    String stored = "";
    String state = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline
        && !(stored.contains("temperature") && state.contains("20.6"))) {
      stored = get("/api/v1/devices/http-1/telemetry", app);
      state = get("/api/v1/state?device=http-1", app);
      Thread.sleep(50);
    }
    assertThat(stored).contains("\"temperature\"").contains("20.6");
    assertThat(state).contains("temperature").contains("20.6");
  }

  /**
   * Verifies that readings POSTed over HTTP reach an MQTT 5 app subscribed to devices/# as a QoS 1
   * publish with the original payload and content type, are stored exactly once, and are never seen
   * by a subscriber of another tenant.
   */
  @Test
  void httpReadingsReachMqttSubscribersOfTheTenantOnly() throws Exception {
    String device = TestClients.mint(dataDir, "http-3");
    String appToken = TestClients.mint(dataDir, "mes", "app");
    Mqtt5BlockingClient app = TestClients.connect(node.mqttPort(), "mes", appToken);
    Mqtt5BlockingClient rival =
        TestClients.connect(node.mqttPort(), "rival", mint("rival", "other", "app"));
    try (Mqtt5BlockingClient.Mqtt5Publishes seen = app.publishes(MqttGlobalPublishFilter.ALL);
        Mqtt5BlockingClient.Mqtt5Publishes foreign = rival.publishes(MqttGlobalPublishFilter.ALL)) {
      app.subscribeWith().topicFilter("devices/#").qos(MqttQos.AT_LEAST_ONCE).send();
      rival.subscribeWith().topicFilter("devices/#").qos(MqttQos.AT_LEAST_ONCE).send();

      String json = "{\"metrics\":{\"pressure\":3.25}}";
      HttpResponse<String> taken = post("http-3", device, json);
      assertThat(taken.statusCode()).as(taken.body()).isEqualTo(202);

      Optional<Mqtt5Publish> got = seen.receive(10, TimeUnit.SECONDS);
      assertThat(got).isPresent();
      Mqtt5Publish publish = got.get();
      assertThat(publish.getTopic().toString()).isEqualTo("devices/http-3/telemetry");
      assertThat(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo(json);
      assertThat(publish.getContentType().map(Object::toString)).contains("application/json");
      assertThat(publish.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
      assertThat(publish.isRetain()).isFalse();
      assertThat(foreign.receive(500, TimeUnit.MILLISECONDS)).isEmpty();

      String stored = "";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline && !stored.contains("3.25")) {
        stored = get("/api/v1/devices/http-3/telemetry?metric=pressure", appToken);
        Thread.sleep(50);
      }
      // several store flushes later, still one row: the broker did not ingest it again
      Thread.sleep(300);
      stored = get("/api/v1/devices/http-3/telemetry?metric=pressure", appToken);
      assertThat(stored.split("3\\.25", -1)).as(stored).hasSize(2);
      assertThat(get("/metrics", appToken)).contains("busbar_mqtt_ingested_routed_total 1.0");
      assertThat(seen.receive(200, TimeUnit.MILLISECONDS)).isEmpty();
    } finally {
      app.disconnect();
      rival.disconnect();
    }
  }

  /** A token of {@code tenant} from the node's development key. */
  private static String mint(String subject, String tenant, String... roles) {
    Vertx vertx = Vertx.vertx();
    try {
      return DevelopmentIssuer.loadOrCreate(vertx, dataDir)
          .mint(new TokenRequest(subject, tenant, Set.of(roles), Duration.ofHours(1)));
    } finally {
      vertx.close();
    }
  }

  private static HttpResponse<String> post(String device, String token, String json)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + node.httpPort()
                        + "/api/v1/devices/"
                        + device
                        + "/telemetry"))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String get(String path, String token) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
