package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.sparkplug.SparkplugCommands;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigValues;
import io.busbar.security.Principal;
import io.busbar.security.audit.AuditEvent;
import io.busbar.security.audit.AuditTrail;
import io.busbar.security.jwt.TokenRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands, the Sparkplug host and the audit trail on one real node started from its configuration,
 * driven by real MQTT and HTTP clients.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandsEndToEndTest {

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
                        "node.id", "commands-e2e",
                        "node.data-dir", dataDir.toString(),
                        "storage.flush-interval", "20ms",
                        "sparkplug.host-id", "e2e-host",
                        "commands.timeout", "2s"),
                    "test"));
    assertThat(config.sparkplug().hostId()).isEqualTo("e2e-host");
    assertThat(config.commands().defaultTimeout()).isEqualTo(Duration.ofSeconds(2));
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

  private static String token(String subject, String... roles) {
    return node.issuer()
        .mint(
            new TokenRequest(
                subject, Principal.DEFAULT_TENANT, Set.of(roles), Duration.ofHours(1)));
  }

  /**
   * Verifies a REST command round trip through the node: an MQTT 5 device with a device token
   * subscribes to its command topic and answers at the response topic with the correlation data.
   */
  @Test
  void restCommandToMqtt5Device() throws Exception {
    String id = "press-7";
    Mqtt5AsyncClient device =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort())
            .buildAsync();
    device
        .connectWith()
        .simpleAuth()
        .username(id)
        .password(token(id).getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .get(10, TimeUnit.SECONDS);
    device
        .subscribeWith()
        .topicFilter("devices/" + id + "/commands/+")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(
            (Mqtt5Publish command) -> {
              JsonObject params =
                  new JsonObject(new String(command.getPayloadAsBytes(), StandardCharsets.UTF_8))
                      .getJsonObject("params");
              device
                  .publishWith()
                  .topic(command.getResponseTopic().orElseThrow())
                  .correlationData(command.getCorrelationData().orElseThrow())
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .payload(
                      new JsonObject()
                          .put("accepted", true)
                          .put("speed", params.getInteger("speed"))
                          .encode()
                          .getBytes(StandardCharsets.UTF_8))
                  .send();
            })
        .send()
        .get(10, TimeUnit.SECONDS);

    HttpResponse<Buffer> response =
        http.post(node.httpPort(), "127.0.0.1", "/api/v1/devices/" + id + "/commands/set-speed")
            .sendJsonObject(new JsonObject().put("speed", 120))
            .await(20, TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("accepted", true).put("speed", 120));
    device.disconnect().get(10, TimeUnit.SECONDS);
  }

  /** Verifies that a command to a device that is not connected answers a 404 problem. */
  @Test
  void commandToAbsentDevice() throws Exception {
    HttpResponse<Buffer> response =
        http.post(node.httpPort(), "127.0.0.1", "/api/v1/devices/nobody/commands/ping")
            .send()
            .await(20, TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
  }

  /**
   * Verifies the node as Sparkplug host: its STATE is retained online under the configured host id,
   * and an edge node (an {@code app} token: edge-node ACLs are security's) that skips a seq gets a
   * rebirth NCMD.
   */
  @Test
  void sparkplugHost() throws Exception {
    Mqtt5BlockingClient edge =
        TestClients.connect(node.mqttPort(), "edge-e2e", token("edge-e2e", Principal.ROLE_APP));
    var in = edge.publishes(MqttGlobalPublishFilter.ALL);
    edge.subscribeWith().topicFilter("spBv1.0/STATE/e2e-host").qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt5Publish state = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(state.isRetain()).isTrue();
    JsonObject online =
        new JsonObject(new String(state.getPayloadAsBytes(), StandardCharsets.UTF_8));
    assertThat(online.getBoolean("online")).isTrue();

    edge.subscribeWith().topicFilter("spBv1.0/g1/NCMD/edge-e2e").send();
    edge.publishWith()
        .topic("spBv1.0/g1/NBIRTH/edge-e2e")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(
            Payload.newBuilder()
                .setSeq(0)
                .addMetrics(
                    Metric.newBuilder()
                        .setName("bdSeq")
                        .setDatatype(DataType.Int64.getNumber())
                        .setLongValue(0))
                .build()
                .toByteArray())
        .send();
    edge.publishWith()
        .topic("spBv1.0/g1/NDATA/edge-e2e")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(Payload.newBuilder().setSeq(9).build().toByteArray())
        .send();

    // the default reorder window (500 ms) passes first
    Mqtt5Publish ncmd = in.receive(10, TimeUnit.SECONDS).orElseThrow();
    assertThat(ncmd.getTopic().toString()).isEqualTo("spBv1.0/g1/NCMD/edge-e2e");
    assertThat(Payload.parseFrom(ncmd.getPayloadAsBytes()).getMetrics(0).getName())
        .isEqualTo(SparkplugCommands.NODE_REBIRTH);
    edge.disconnect();
  }

  /**
   * Verifies that a REST {@code write} command to a Sparkplug edge node id ({@code group:edge})
   * reaches the edge node as an NCMD at QoS 0 with the metric name, datatype and value, and that
   * the caller gets {@code {sent, topic}}.
   */
  @Test
  void sparkplugWriteCommand() throws Exception {
    Mqtt5BlockingClient edge =
        TestClients.connect(node.mqttPort(), "g2:line", token("g2:line", Principal.ROLE_APP));
    var in = edge.publishes(MqttGlobalPublishFilter.ALL);
    edge.subscribeWith().topicFilter("spBv1.0/g2/NCMD/line").qos(MqttQos.AT_LEAST_ONCE).send();

    HttpResponse<Buffer> response =
        http.post(node.httpPort(), "127.0.0.1", "/api/v1/devices/g2:line/commands/write")
            .sendJsonObject(
                new JsonObject().put("metrics", new JsonObject().put("Line/Speed", 2.5)))
            .await(20, TimeUnit.SECONDS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("sent", true).put("topic", "spBv1.0/g2/NCMD/line"));
    Mqtt5Publish ncmd = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(ncmd.getTopic().toString()).isEqualTo("spBv1.0/g2/NCMD/line");
    assertThat(ncmd.getQos()).isEqualTo(MqttQos.AT_MOST_ONCE);
    Metric speed = Payload.parseFrom(ncmd.getPayloadAsBytes()).getMetrics(0);
    assertThat(speed.getName()).isEqualTo("Line/Speed");
    assertThat(speed.getDatatype()).isEqualTo(DataType.Double.getNumber());
    assertThat(speed.getDoubleValue()).isEqualTo(2.5);
    edge.disconnect();
  }

  /** Verifies that audit events on the node's bus are listed by GET /api/v1/audit. */
  @Test
  void auditTrailOverRest() throws Exception {
    new AuditTrail(node.vertx().eventBus(), Addresses.AUDIT)
        .record(
            AuditEvent.denied(
                Instant.now(),
                new Principal("intruder", "default", Set.of(), Long.MAX_VALUE, null),
                AuditEvent.Action.SUBSCRIBE_DENIED,
                "devices/other/commands/#",
                "ACL",
                "127.0.0.1"));

    JsonArray rows = new JsonArray();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (rows.isEmpty() && System.nanoTime() < deadline) {
      rows =
          http.get(node.httpPort(), "127.0.0.1", "/api/v1/audit?subject=intruder")
              .send()
              .await(10, TimeUnit.SECONDS)
              .bodyAsJsonArray();
      Thread.sleep(20);
    }
    assertThat(rows).hasSize(1);
    assertThat(rows.getJsonObject(0).getString("action")).isEqualTo("SUBSCRIBE_DENIED");
  }
}
