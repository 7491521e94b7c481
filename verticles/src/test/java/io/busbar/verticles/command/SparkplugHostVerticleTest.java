package io.busbar.verticles.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.codecs.sparkplug.SparkplugCommands;
import io.busbar.codecs.sparkplug.SparkplugDecoder;
import io.busbar.codecs.sparkplug.SparkplugHostState;
import io.busbar.codecs.sparkplug.SparkplugRoute;
import io.busbar.security.Principal;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.verticles.mqtt.MqttBrokerVerticle;
import io.busbar.verticles.mqtt.MqttConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The node as Sparkplug host: edge nodes (HiveMQ clients with an {@code app} token, since the
 * edge-node ACL is security's) that break sequence or use unknown aliases get a rebirth NCMD; the
 * host's STATE is retained online while it runs and offline after it stops.
 */
@Timeout(30)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkplugHostVerticleTest {

  private static final String HOST_ID = "test-host";
  private static Vertx vertx;
  private static DevelopmentIssuer issuer;
  private static SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private static int mqttPort;
  private static String hostDeployment;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    issuer =
        DevelopmentIssuer.loadOrCreate(vertx, Files.createTempDirectory("busbar-sparkplug-test"));
    // short reorder window and debounce so the test need not wait
    SparkplugHostState host = new SparkplugHostState(50, 1_000);
    MqttBrokerVerticle broker =
        new MqttBrokerVerticle(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false),
            issuer.authenticator(),
            TopicAcl.defaults(),
            DecoderTable.of(List.of(new SparkplugRoute(new SparkplugDecoder(host)))),
            registry);
    vertx.deployVerticle(broker).await(20, TimeUnit.SECONDS);
    mqttPort = broker.actualPort();
    hostDeployment =
        vertx
            .deployVerticle(
                new SparkplugHostVerticle(new SparkplugHostConfig(HOST_ID), host, registry))
            .await(20, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private static Mqtt5BlockingClient edge(String name) {
    Mqtt5BlockingClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(name)
            .serverHost("127.0.0.1")
            .serverPort(mqttPort)
            .buildBlocking();
    String token =
        issuer.mint(
            new TokenRequest(
                name, Principal.DEFAULT_TENANT, Set.of(Principal.ROLE_APP), Duration.ofHours(1)));
    c.connectWith()
        .simpleAuth()
        .username(name)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    return c;
  }

  private static byte[] birth(long seq) {
    return Payload.newBuilder()
        .setTimestamp(System.currentTimeMillis())
        .setSeq(seq)
        .addMetrics(
            Metric.newBuilder()
                .setName("bdSeq")
                .setDatatype(DataType.Int64.getNumber())
                .setLongValue(0))
        .addMetrics(
            Metric.newBuilder()
                .setName("temperature")
                .setAlias(1)
                .setDatatype(DataType.Double.getNumber())
                .setDoubleValue(20.5))
        .build()
        .toByteArray();
  }

  private static byte[] data(long seq, long alias) {
    return Payload.newBuilder()
        .setTimestamp(System.currentTimeMillis())
        .setSeq(seq)
        .addMetrics(
            Metric.newBuilder()
                .setAlias(alias)
                .setDatatype(DataType.Double.getNumber())
                .setDoubleValue(21.0))
        .build()
        .toByteArray();
  }

  private static void publish(Mqtt5BlockingClient c, String topic, byte[] payload) {
    c.publishWith().topic(topic).payload(payload).qos(MqttQos.AT_LEAST_ONCE).send();
  }

  /** Asserts that the next message is a Node Control/Rebirth NCMD for {@code group/edge}. */
  private static void assertRebirth(Mqtt5Publishes in, String group, String edge) throws Exception {
    Mqtt5Publish ncmd = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(ncmd.getTopic().toString()).isEqualTo("spBv1.0/" + group + "/NCMD/" + edge);
    Payload payload = Payload.parseFrom(ncmd.getPayloadAsBytes());
    assertThat(payload.getMetrics(0).getName()).isEqualTo(SparkplugCommands.NODE_REBIRTH);
    assertThat(payload.getMetrics(0).getBooleanValue()).isTrue();
  }

  /** Verifies that a sequence gap after a good birth gets the edge node a rebirth NCMD. */
  @Test
  void seqGapAsksForRebirth() throws Exception {
    String edgeId = "edge-" + UUID.randomUUID().toString().substring(0, 6);
    Mqtt5BlockingClient edge = edge(edgeId);
    Mqtt5Publishes in = edge.publishes(MqttGlobalPublishFilter.ALL);
    edge.subscribeWith().topicFilter("spBv1.0/plant/NCMD/" + edgeId).send();

    publish(edge, "spBv1.0/plant/NBIRTH/" + edgeId, birth(0));
    publish(edge, "spBv1.0/plant/NDATA/" + edgeId, data(1, 1));
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty(); // in order: no rebirth
    publish(edge, "spBv1.0/plant/NDATA/" + edgeId, data(7, 1));

    assertRebirth(in, "plant", edgeId);
    edge.disconnect();
  }

  /** Verifies that data with an alias no birth declared gets the edge node a rebirth NCMD. */
  @Test
  void unknownAliasAsksForRebirth() throws Exception {
    String edgeId = "edge-" + UUID.randomUUID().toString().substring(0, 6);
    Mqtt5BlockingClient edge = edge(edgeId);
    Mqtt5Publishes in = edge.publishes(MqttGlobalPublishFilter.ALL);
    edge.subscribeWith().topicFilter("spBv1.0/line/NCMD/" + edgeId).send();

    publish(edge, "spBv1.0/line/NBIRTH/" + edgeId, birth(0));
    publish(edge, "spBv1.0/line/NDATA/" + edgeId, data(1, 99));

    assertRebirth(in, "line", edgeId);
    assertThat(registry.find("busbar.sparkplug.rebirths.sent").counter().count()).isPositive();
    edge.disconnect();
  }

  /**
   * Verifies that a new subscriber gets the retained STATE online=true, and online=false with the
   * same timestamp once the host verticle stops (Sparkplug 3.0 §7.3); the last test of the class.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void stateIsRetainedOnlineThenOffline() throws Exception {
    Mqtt5BlockingClient app = edge("app-" + UUID.randomUUID().toString().substring(0, 6));
    Mqtt5Publishes in = app.publishes(MqttGlobalPublishFilter.ALL);
    app.subscribeWith().topicFilter("spBv1.0/STATE/" + HOST_ID).qos(MqttQos.AT_LEAST_ONCE).send();

    Mqtt5Publish online = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(online.isRetain()).isTrue();
    assertThat(online.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    JsonObject born =
        new JsonObject(new String(online.getPayloadAsBytes(), StandardCharsets.UTF_8));
    assertThat(born.getBoolean("online")).isTrue();

    vertx.undeploy(hostDeployment).await(10, TimeUnit.SECONDS);
    Mqtt5Publish offline = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    JsonObject died =
        new JsonObject(new String(offline.getPayloadAsBytes(), StandardCharsets.UTF_8));
    assertThat(died.getBoolean("online")).isFalse();
    assertThat(died.getLong("timestamp")).isEqualTo(born.getLong("timestamp"));
    app.disconnect();
  }
}
