package io.busbar.verticles.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.verticles.http.HttpConfig;
import io.busbar.verticles.http.HttpVerticle;
import io.busbar.verticles.mqtt.MqttBrokerVerticle;
import io.busbar.verticles.mqtt.MqttConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Commands end to end on one Vert.x: the broker, the command verticle and the HTTP verticle, with
 * real MQTT clients acting as devices and a real HTTP client as the caller.
 */
@Timeout(30)
class CommandVerticleTest {

  private static Vertx vertx;
  private static DevelopmentIssuer issuer;
  private static PrometheusMeterRegistry registry;
  private static int mqttPort;
  private static int httpPort;
  private static WebClient http;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    issuer =
        DevelopmentIssuer.loadOrCreate(vertx, Files.createTempDirectory("busbar-command-test"));
    MqttBrokerVerticle broker =
        new MqttBrokerVerticle(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false),
            issuer.authenticator(),
            TopicAcl.defaults(),
            DecoderTable.defaults(),
            registry);
    HttpVerticle httpVerticle =
        new HttpVerticle(new HttpConfig("127.0.0.1", 0, "test"), new JsonObject(), registry);
    await(vertx.deployVerticle(broker));
    await(vertx.deployVerticle(new CommandVerticle(CommandConfig.defaults(), registry)));
    await(vertx.deployVerticle(httpVerticle));
    mqttPort = broker.actualPort();
    httpPort = httpVerticle.actualPort();
    http = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String deviceId() {
    return "dev-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String token(String device, String tenant) {
    return issuer.mint(new TokenRequest(device, tenant, Set.of(), Duration.ofHours(1)));
  }

  /**
   * An MQTT 5 device that answers every command on {@code devices/{id}/commands/+} at its response
   * topic with the correlation data copied, unless {@code answer} is false; it records what it got.
   */
  private static Mqtt5AsyncClient v5Device(
      String id, String tenant, boolean answer, BlockingQueue<Mqtt5Publish> received) {
    Mqtt5AsyncClient device =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(mqttPort)
            .buildAsync();
    device
        .connectWith()
        .simpleAuth()
        .username(id)
        .password(token(id, tenant).getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .join();
    device
        .subscribeWith()
        .topicFilter("devices/" + id + "/commands/+")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(
            command -> {
              received.add(command);
              if (!answer) {
                return;
              }
              JsonObject in =
                  new JsonObject(new String(command.getPayloadAsBytes(), StandardCharsets.UTF_8));
              JsonObject out =
                  new JsonObject().put("status", "done").put("echo", in.getJsonObject("params"));
              device
                  .publishWith()
                  .topic(command.getResponseTopic().orElseThrow())
                  .correlationData(command.getCorrelationData().orElseThrow())
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .payload(out.encode().getBytes(StandardCharsets.UTF_8))
                  .send();
            })
        .send()
        .join();
    return device;
  }

  private static HttpResponse<Buffer> post(String device, String name, String query, String body) {
    return await(
        http.post(httpPort, "127.0.0.1", "/api/v1/devices/" + device + "/commands/" + name + query)
            .putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(body)));
  }

  /**
   * Verifies the REST round trip with an MQTT 5 device: the device gets {correlationId, params} at
   * QoS 1 with a response topic and correlation data, and its response comes back as the 200 body.
   */
  @Test
  void restRoundTripWithMqtt5Device() throws Exception {
    String id = deviceId();
    BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();
    Mqtt5AsyncClient device = v5Device(id, "default", true, received);

    HttpResponse<Buffer> response = post(id, "reboot", "", "{\"delay\":5}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject())
        .isEqualTo(
            new JsonObject().put("status", "done").put("echo", new JsonObject().put("delay", 5)));
    Mqtt5Publish command = received.poll(5, TimeUnit.SECONDS);
    assertThat(command.getTopic().toString()).isEqualTo("devices/" + id + "/commands/reboot");
    assertThat(command.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(command.getResponseTopic().orElseThrow().toString())
        .isEqualTo("devices/" + id + "/commands/reboot/response");
    String correlationId = response.getHeader("X-Correlation-Id");
    assertThat(StandardCharsets.UTF_8.decode(command.getCorrelationData().orElseThrow()).toString())
        .isEqualTo(correlationId);
    JsonObject payload =
        new JsonObject(new String(command.getPayloadAsBytes(), StandardCharsets.UTF_8));
    assertThat(payload.getString("correlationId")).isEqualTo(correlationId);
    assertThat(payload.getJsonObject("params")).isEqualTo(new JsonObject().put("delay", 5));
    device.disconnect().join();
  }

  /** Verifies the event-bus round trip on busbar.commands in a named tenant. */
  @Test
  void busRoundTrip() {
    String id = deviceId();
    Mqtt5AsyncClient device = v5Device(id, "acme", true, new LinkedBlockingQueue<>());

    JsonObject reply =
        await(
                vertx
                    .eventBus()
                    .<JsonObject>request(
                        Addresses.COMMANDS,
                        new JsonObject()
                            .put("device", id)
                            .put("tenant", "acme")
                            .put("name", "setpoint")
                            .put("params", new JsonObject().put("value", 42))
                            .put("correlationId", "corr-bus-1")))
            .body();

    assertThat(reply.getString("status")).isEqualTo("done");
    assertThat(reply.getJsonObject("echo").getInteger("value")).isEqualTo(42);
    device.disconnect().join();
  }

  /**
   * Verifies that a device that does not answer makes the REST call fail with a 504 problem after
   * the requested timeout, and that its late response is counted as unmatched.
   */
  @Test
  void timesOut() throws Exception {
    String id = deviceId();
    BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();
    Mqtt5AsyncClient device = v5Device(id, "default", false, received);
    double unmatchedBefore = counter("busbar.commands.responses.unmatched");

    long started = System.nanoTime();
    HttpResponse<Buffer> response = post(id, "slow", "?timeout=300", "");

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(response.bodyAsJsonObject().getString("detail")).contains("did not respond");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    Mqtt5Publish command = received.poll(5, TimeUnit.SECONDS);
    device
        .publishWith()
        .topic(command.getResponseTopic().orElseThrow())
        .correlationData(command.getCorrelationData().orElseThrow())
        .qos(MqttQos.AT_LEAST_ONCE)
        .send()
        .join();
    waitFor(() -> counter("busbar.commands.responses.unmatched") > unmatchedBefore);
    device.disconnect().join();
  }

  /** Verifies that a command to a device with no session answers 404 at once. */
  @Test
  void deviceNotConnected() {
    HttpResponse<Buffer> response = post(deviceId(), "ping", "", "{}");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.bodyAsJsonObject().getString("detail")).contains("not connected");
  }

  /**
   * Verifies that an MQTT 3.1.1 device (Paho) answering on the response topic with the
   * correlationId in its JSON body completes the command.
   */
  @Test
  void mqtt311DeviceAnswersWithCorrelationIdInBody() throws Exception {
    String id = deviceId();
    var device =
        new org.eclipse.paho.client.mqttv3.MqttClient(
            "tcp://127.0.0.1:" + mqttPort, id, new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setUserName(id);
    options.setPassword(token(id, "default").toCharArray());
    device.connect(options);
    device.subscribe(
        "devices/" + id + "/commands/+",
        1,
        (topic, message) -> {
          JsonObject in = new JsonObject(new String(message.getPayload(), StandardCharsets.UTF_8));
          JsonObject out =
              new JsonObject().put("correlationId", in.getString("correlationId")).put("ok", true);
          MqttMessage answer = new MqttMessage(out.encode().getBytes(StandardCharsets.UTF_8));
          answer.setQos(1);
          // publish from another thread: Paho forbids blocking calls inside its callback
          new Thread(
                  () -> {
                    try {
                      device.publish(topic + "/response", answer);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  })
              .start();
        });

    HttpResponse<Buffer> response = post(id, "open-valve", "?timeout=5000", "{\"valve\":2}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getBoolean("ok")).isTrue();
    device.disconnect();
    device.close();
  }

  /**
   * Verifies that malformed commands fail with 400 naming the problem (bus and REST), and a
   * duplicate correlation id in flight with 409.
   */
  @Test
  void refusesBadCommands() {
    assertBusFailure(new JsonObject().put("name", "x").put("correlationId", "c"), 400, "device");
    assertBusFailure(
        new JsonObject().put("device", "a/b").put("name", "x").put("correlationId", "c"),
        400,
        "topic level");
    assertBusFailure(new JsonObject().put("device", "d").put("name", "x"), 400, "correlationId");
    assertBusFailure(
        new JsonObject()
            .put("device", "d")
            .put("name", "x")
            .put("correlationId", "c")
            .put("timeoutMs", 10_000_000),
        400,
        "timeoutMs");
    assertThat(post("d", "x", "", "not json").statusCode()).isEqualTo(400);
    assertThat(post("d", "x", "", "[1]").statusCode()).isEqualTo(400);
    assertThat(post("d", "x", "?timeout=0", "{}").statusCode()).isEqualTo(400);
    assertThat(post("d", "x", "?timeout=abc", "{}").bodyAsJsonObject().getString("detail"))
        .contains("timeout");

    String id = deviceId();
    Mqtt5AsyncClient device = v5Device(id, "default", false, new LinkedBlockingQueue<>());
    JsonObject command =
        new JsonObject()
            .put("device", id)
            .put("name", "hold")
            .put("correlationId", "dup-1")
            .put("timeoutMs", 2_000);
    Future<?> first = vertx.eventBus().request(Addresses.COMMANDS, command);
    waitFor(() -> gauge("busbar.commands.pending") >= 1);
    assertBusFailure(command, 409, "dup-1");
    assertThatThrownBy(() -> await(first)).hasRootCauseInstanceOf(ReplyException.class);
    device.disconnect().join();
  }

  /**
   * Verifies that a REST {@code write} to {@code g1:e1} and {@code g1:e1:d1} reaches an MQTT 5 edge
   * node as Sparkplug B NCMD/DCMD at QoS 0, not retained, with the metric name, datatype and value,
   * and that the caller gets {sent, topic}; and that {@code rebirth} sends Node Control/Rebirth.
   */
  @Test
  void sparkplugWriteReachesEdgeNode() throws Exception {
    BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();
    Mqtt5AsyncClient edge =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("g1:e1")
            .serverHost("127.0.0.1")
            .serverPort(mqttPort)
            .buildAsync();
    edge.connectWith()
        .simpleAuth()
        .username("g1:e1")
        .password(token("g1:e1", "default").getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .join();
    for (String filter : List.of("spBv1.0/g1/NCMD/e1", "spBv1.0/g1/DCMD/e1/#")) {
      edge.subscribeWith()
          .topicFilter(filter)
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(received::add)
          .send()
          .join();
    }

    HttpResponse<Buffer> node = post("g1:e1", "write", "", "{\"metrics\":{\"Line/Speed\":2.5}}");
    HttpResponse<Buffer> device = post("g1:e1:d1", "write", "", "{\"metrics\":{\"Enabled\":true}}");
    HttpResponse<Buffer> rebirth = post("g1:e1", "rebirth", "", "{}");

    assertThat(node.statusCode()).isEqualTo(200);
    assertThat(node.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("sent", true).put("topic", "spBv1.0/g1/NCMD/e1"));
    assertThat(device.statusCode()).isEqualTo(200);
    assertThat(device.bodyAsJsonObject().getString("topic")).isEqualTo("spBv1.0/g1/DCMD/e1/d1");
    assertThat(rebirth.statusCode()).isEqualTo(200);
    // three QoS 0 messages on two subscriptions: no order is promised across them, so sort them
    java.util.Map<String, Mqtt5Publish> byMetric = new java.util.HashMap<>();
    for (int i = 0; i < 3; i++) {
      Mqtt5Publish p = received.poll(5, TimeUnit.SECONDS);
      assertThat(p).as("command %d of 3", i + 1).isNotNull();
      byMetric.put(Payload.parseFrom(p.getPayloadAsBytes()).getMetrics(0).getName(), p);
    }
    Mqtt5Publish ncmd = byMetric.get("Line/Speed");
    Mqtt5Publish dcmd = byMetric.get("Enabled");
    Mqtt5Publish rebirthCmd = byMetric.get("Node Control/Rebirth");
    assertThat(ncmd.getTopic().toString()).isEqualTo("spBv1.0/g1/NCMD/e1");
    assertThat(ncmd.getQos()).isEqualTo(MqttQos.AT_MOST_ONCE);
    assertThat(ncmd.isRetain()).isFalse();
    Metric speed = Payload.parseFrom(ncmd.getPayloadAsBytes()).getMetrics(0);
    assertThat(speed.getDatatype()).isEqualTo(DataType.Double_VALUE);
    assertThat(speed.getDoubleValue()).isEqualTo(2.5);
    assertThat(dcmd.getTopic().toString()).isEqualTo("spBv1.0/g1/DCMD/e1/d1");
    Metric enabled = Payload.parseFrom(dcmd.getPayloadAsBytes()).getMetrics(0);
    assertThat(enabled.getDatatype()).isEqualTo(DataType.Boolean_VALUE);
    assertThat(enabled.getBooleanValue()).isTrue();
    assertThat(rebirthCmd.getTopic().toString()).isEqualTo("spBv1.0/g1/NCMD/e1");
    Metric control = Payload.parseFrom(rebirthCmd.getPayloadAsBytes()).getMetrics(0);
    assertThat(control.getName()).isEqualTo("Node Control/Rebirth");
    assertThat(control.getBooleanValue()).isTrue();
    edge.disconnect().join();
  }

  /**
   * Verifies that a Sparkplug write with bad params gets a 400 naming the field, and one to an edge
   * node with no session a 404.
   */
  @Test
  void sparkplugWriteRefusesBadParamsAndOfflineNodes() {
    HttpResponse<Buffer> noMetrics = post("g1:e9", "write", "", "{\"values\":{}}");
    HttpResponse<Buffer> badValue = post("g1:e9", "write", "", "{\"metrics\":{\"X\":[1]}}");
    HttpResponse<Buffer> offline = post("g1:e9", "write", "", "{\"metrics\":{\"X\":1}}");

    assertThat(noMetrics.statusCode()).isEqualTo(400);
    assertThat(noMetrics.bodyAsJsonObject().getString("detail")).contains("params.metrics");
    assertThat(badValue.statusCode()).isEqualTo(400);
    assertThat(badValue.bodyAsJsonObject().getString("detail")).contains("params.metrics.X");
    assertThat(offline.statusCode()).isEqualTo(404);
    assertThat(offline.bodyAsJsonObject().getString("detail")).contains("not connected");
  }

  private static void assertBusFailure(JsonObject body, int code, String mentions) {
    assertThatThrownBy(
            () ->
                await(
                    vertx
                        .eventBus()
                        .request(
                            Addresses.COMMANDS,
                            body,
                            new DeliveryOptions().setSendTimeout(10_000))))
        .rootCause()
        .isInstanceOfSatisfying(
            ReplyException.class,
            e -> {
              assertThat(e.failureCode()).isEqualTo(code);
              assertThat(e.getMessage()).contains(mentions);
            });
  }

  private static double counter(String name) {
    var c = registry.find(name).counter();
    return c == null ? 0 : c.count();
  }

  private static double gauge(String name) {
    var g = registry.find(name).gauge();
    return g == null ? 0 : g.value();
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + 5_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("condition not met in 5 s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
