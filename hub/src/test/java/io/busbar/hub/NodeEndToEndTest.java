package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigValues;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One real node, in-process, driven from outside by real MQTT, HTTP and WebSocket clients. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeEndToEndTest {

  @TempDir static Path dataDir;

  private static Node node;
  private static Vertx clients;
  private static WebClient http;

  @BeforeAll
  static void startNode() throws Exception {
    BusbarConfig config =
        BusbarConfig.from(
            ConfigValues.defaults()
                .with(
                    Map.of(
                        "mqtt.port", "0",
                        "http.port", "0",
                        "node.id", "e2e",
                        "node.data-dir", dataDir.toString(),
                        "storage.flush-interval", "20ms"),
                    "test"));
    node = Main.await(Node.start(config), "start the node");
    clients = Vertx.vertx();
    http = WebClient.create(clients);
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (clients != null) {
      clients.close().await();
    }
    if (node != null) {
      Main.await(node.close(), "stop the node");
    }
  }

  private static String token(String device, String... roles) {
    return node.issuer()
        .mint(new TokenRequest(device, "default", Set.of(roles), Duration.ofHours(1)));
  }

  private static Mqtt5BlockingClient connect5(String id, String token) {
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort())
            .buildBlocking();
    var connect = client.connectWith();
    if (token != null) {
      connect
          .simpleAuth()
          .username(id)
          .password(token.getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth();
    }
    connect.send();
    return client;
  }

  private static HttpResponse<Buffer> get(String uri) throws Exception {
    return http.get(node.httpPort(), "127.0.0.1", uri)
        .send()
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /** Polls a REST resource until the predicate holds (storage writes in batches), or fails. */
  private static HttpResponse<Buffer> getUntil(String uri, Predicate<HttpResponse<Buffer>> ready)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    HttpResponse<Buffer> response;
    do {
      response = get(uri);
      if (ready.test(response)) {
        return response;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return fail(
        "%s never became ready; last answer %d %s",
        uri, response.statusCode(), response.bodyAsString());
  }

  /**
   * Verifies that one reading published by a device with its JWT reaches an MQTT wildcard
   * subscriber, the /ws live stream, the live state, the device list and the store.
   */
  @Test
  void readingTravelsEndToEnd() throws Exception {
    BlockingQueue<String> wsFrames = new LinkedBlockingQueue<>();
    WebSocket ws =
        clients
            .createWebSocketClient()
            .connect(node.httpPort(), "127.0.0.1", "/ws")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    ws.textMessageHandler(wsFrames::add);

    Mqtt5BlockingClient app = connect5("dashboard-app", token("dashboard-app", "app"));
    BlockingQueue<Mqtt5Publish> plus = new LinkedBlockingQueue<>();
    BlockingQueue<Mqtt5Publish> hash = new LinkedBlockingQueue<>();
    app.toAsync()
        .subscribeWith()
        .topicFilter("devices/+/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(plus::add)
        .send()
        .get();
    Mqtt3BlockingClient app3 =
        MqttClient.builder()
            .useMqttVersion3()
            .identifier("app3")
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort())
            .buildBlocking();
    app3.connectWith()
        .simpleAuth()
        .username("app3")
        .password(token("app3", "app").getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    app3.toAsync()
        .subscribeWith()
        .topicFilter("devices/#")
        .qos(MqttQos.AT_MOST_ONCE)
        .callback(
            p ->
                hash.add(
                    null == p
                        ? null
                        : Mqtt5Publish.builder()
                            .topic(p.getTopic().toString())
                            .payload(p.getPayloadAsBytes())
                            .build()))
        .send()
        .get();

    Mqtt5BlockingClient device = connect5("d1", token("d1"));
    String body =
        "{\"ts\":1732440000000,\"metrics\":{\"temperature\":{\"value\":71.5,\"unit\":\"°C\"},\"state\":\"RUNNING\"}}";
    device
        .publishWith()
        .topic("devices/d1/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(body.getBytes(StandardCharsets.UTF_8))
        .send();

    Mqtt5Publish received = plus.poll(10, TimeUnit.SECONDS);
    assertThat(received).as("MQTT 5 subscriber on devices/+/telemetry").isNotNull();
    assertThat(new String(received.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo(body);
    assertThat(received.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    Mqtt5Publish viaHash = hash.poll(10, TimeUnit.SECONDS);
    assertThat(viaHash).as("MQTT 3.1.1 subscriber on devices/#").isNotNull();
    assertThat(viaHash.getTopic().toString()).isEqualTo("devices/d1/telemetry");

    String frame = wsFrames.poll(10, TimeUnit.SECONDS);
    while (frame != null && frame.contains("\"hello\"")) {
      frame = wsFrames.poll(10, TimeUnit.SECONDS);
    }
    assertThat(frame)
        .as("/ws events frame")
        .isNotNull()
        .contains("\"d1\"")
        .contains("temperature")
        .contains("71.5");

    JsonArray stored =
        getUntil(
                "/api/v1/devices/d1/telemetry?metric=temperature",
                r -> r.statusCode() == 200 && !r.bodyAsJsonArray().isEmpty())
            .bodyAsJsonArray();
    assertThat(stored.getJsonObject(0).getDouble("value")).isEqualTo(71.5);
    assertThat(stored.getJsonObject(0).getLong("ts")).isEqualTo(1732440000000L);
    assertThat(stored.getJsonObject(0).getString("unit")).isEqualTo("°C");

    JsonObject state =
        getUntil("/api/v1/state", r -> r.bodyAsJsonObject().containsKey("d1")).bodyAsJsonObject();
    assertThat(state.getJsonObject("d1").getJsonObject("state").getString("value"))
        .isEqualTo("RUNNING");
    JsonArray devices = get("/api/v1/devices").bodyAsJsonArray();
    assertThat(devices.stream().map(o -> ((JsonObject) o).getString("device"))).contains("d1");

    assertThat(get("/health").statusCode()).isEqualTo(200);
    JsonObject cluster = get("/api/v1/cluster").bodyAsJsonObject();
    assertThat(cluster.getJsonArray("members").getJsonObject(0).getString("node")).isEqualTo("e2e");
    assertThat(cluster.getJsonArray("members").getJsonObject(0).getLong("messagesIn")).isPositive();
    String metrics = get("/metrics").bodyAsString();
    assertThat(metrics)
        .contains("busbar_mqtt_messages_in_total")
        .contains("busbar_mqtt_clients_connected")
        .contains("busbar_storage_queue_depth");

    ws.close();
    device.disconnect();
    app.disconnect();
    app3.disconnect();
  }

  /** Verifies that connects without a token or with a bad one are refused with the spec's codes. */
  @Test
  void badTokensAreRefused() {
    assertConnAck5(null, Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    assertConnAck5("not-a-jwt", Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    String foreign = token("d9").substring(0, token("d9").lastIndexOf('.')) + ".AAAA";
    assertConnAck5(foreign, Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    String expired =
        DevelopmentIssuer.loadOrCreate(
                clients, dataDir, Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)))
            .mint(new TokenRequest("d9", "default", Set.of(), Duration.ofHours(1)));
    assertConnAck5(expired, Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);

    Mqtt3BlockingClient v3 =
        MqttClient.builder()
            .useMqttVersion3()
            .identifier("d9")
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort())
            .buildBlocking();
    try {
      v3.connect();
      fail("3.1.1 connect without a token was accepted");
    } catch (Mqtt3ConnAckException e) {
      assertThat(e.getMqttMessage().getReturnCode())
          .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    }
  }

  private static void assertConnAck5(String token, Mqtt5ConnAckReasonCode expected) {
    try {
      connect5("d9", token).disconnect();
      fail("connect with token %s was accepted", token);
    } catch (Mqtt5ConnAckException e) {
      assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(expected);
    }
  }

  /**
   * Verifies that a device cannot publish under another device's topics: PUBACK 0x87, not stored.
   */
  @Test
  void deviceCannotPublishAsAnother() throws Exception {
    Mqtt5BlockingClient intruder = connect5("d2", token("d2"));
    String body = "{\"metrics\":{\"temperature\":999}}";
    Mqtt5PubAckReasonCode code;
    try {
      Mqtt5PublishResult result =
          intruder
              .toAsync()
              .publishWith()
              .topic("devices/victim/telemetry")
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(body.getBytes(StandardCharsets.UTF_8))
              .send()
              .get(10, TimeUnit.SECONDS);
      code = ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
    } catch (java.util.concurrent.ExecutionException e) {
      code = ((Mqtt5PubAckException) e.getCause()).getMqttMessage().getReasonCode();
    }
    assertThat(code).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    // the intruder's own reading, sent after, is stored; the forged one never is
    intruder
        .publishWith()
        .topic("devices/d2/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("{\"metrics\":{\"ok\":1}}".getBytes(StandardCharsets.UTF_8))
        .send();
    getUntil(
        "/api/v1/devices/d2/telemetry",
        r -> r.statusCode() == 200 && !r.bodyAsJsonArray().isEmpty());
    assertThat(get("/api/v1/devices/victim/telemetry").bodyAsJsonArray()).isEmpty();
    intruder.disconnect();
  }

  /**
   * Verifies that a malformed payload becomes a listed, counted dead letter and the next reading
   * still flows.
   */
  @Test
  void deadLetterThenGoodMessage() throws Exception {
    String device = "d3-" + UUID.randomUUID().toString().substring(0, 4);
    Mqtt5BlockingClient client = connect5(device, token(device));
    client
        .publishWith()
        .topic("devices/" + device + "/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("{\"metrics\": {\"t\": ".getBytes(StandardCharsets.UTF_8))
        .send();
    client
        .publishWith()
        .topic("devices/" + device + "/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("{\"metrics\":{\"t\":21.0}}".getBytes(StandardCharsets.UTF_8))
        .send();

    JsonArray letters =
        getUntil("/api/v1/deadletters", r -> r.bodyAsString().contains(device)).bodyAsJsonArray();
    JsonObject letter =
        letters.stream()
            .map(JsonObject.class::cast)
            .filter(l -> device.equals(l.getString("device")))
            .findFirst()
            .orElseThrow();
    assertThat(letter.getString("reason")).contains("malformed JSON");
    assertThat(letter.getString("topic")).isEqualTo("devices/" + device + "/telemetry");

    JsonArray good =
        getUntil(
                "/api/v1/devices/" + device + "/telemetry",
                r -> r.statusCode() == 200 && !r.bodyAsJsonArray().isEmpty())
            .bodyAsJsonArray();
    assertThat(good.getJsonObject(0).getDouble("value")).isEqualTo(21.0);
    assertThat(get("/metrics").bodyAsString())
        .containsPattern("busbar_decode_failures_total(\\{[^}]*\\})? [1-9]");
    client.disconnect();
  }

  /** Verifies that `busbar export` writes the stored readings of a range to a Parquet file. */
  @Test
  void exportCommandWritesParquet() throws Exception {
    Mqtt5BlockingClient client = connect5("exp1", token("exp1"));
    client
        .publishWith()
        .topic("devices/exp1/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("{\"ts\":1000,\"metrics\":{\"t\":1.5}}".getBytes(StandardCharsets.UTF_8))
        .send();
    client.disconnect();
    getUntil(
        "/api/v1/devices/exp1/telemetry?from=0&to=2000",
        r -> r.statusCode() == 200 && !r.bodyAsJsonArray().isEmpty());
    Path out = dataDir.resolve("exp1.parquet");
    int code =
        Main.commandLine()
            .execute(
                "export",
                "--url",
                "http://127.0.0.1:" + node.httpPort(),
                "--device",
                "exp1",
                "--from",
                "0",
                "--to",
                "2000",
                "--out",
                out.toString());
    assertThat(code).isZero();
    byte[] bytes = java.nio.file.Files.readAllBytes(out);
    assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("PAR1");
    assertThat(new String(bytes, bytes.length - 4, 4, StandardCharsets.US_ASCII)).isEqualTo("PAR1");
  }

  /**
   * Verifies that a device speaking MQTT over WebSocket at {@code /mqtt} on the HTTP port is
   * authenticated by its JWT, reaches a TCP subscriber, and its reading is stored.
   */
  @Test
  void deviceOverWebSocketOnHttpPort() throws Exception {
    Mqtt5BlockingClient app = connect5("ws-watcher", token("ws-watcher", "app"));
    BlockingQueue<Mqtt5Publish> seen = new LinkedBlockingQueue<>();
    app.toAsync()
        .subscribeWith()
        .topicFilter("devices/wsdev/#")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(seen::add)
        .send()
        .get();
    Mqtt5BlockingClient device =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("wsdev")
            .serverHost("127.0.0.1")
            .serverPort(node.httpPort())
            .webSocketConfig()
            .serverPath("mqtt")
            .applyWebSocketConfig()
            .buildBlocking();
    device
        .connectWith()
        .simpleAuth()
        .username("wsdev")
        .password(token("wsdev").getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    try {
      device
          .publishWith()
          .topic("devices/wsdev/telemetry")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(
              "{\"ts\":1732440000000,\"metrics\":{\"rpm\":1200}}".getBytes(StandardCharsets.UTF_8))
          .send();
      Mqtt5Publish received = seen.poll(10, TimeUnit.SECONDS);
      assertThat(received).as("TCP subscriber sees the WebSocket device").isNotNull();
      assertThat(received.getTopic().toString()).isEqualTo("devices/wsdev/telemetry");
      getUntil(
          "/api/v1/devices/wsdev/telemetry?metric=rpm&from=0",
          r -> r.statusCode() == 200 && !r.bodyAsJsonArray().isEmpty());
    } finally {
      device.disconnect();
      app.disconnect();
    }
  }
}
