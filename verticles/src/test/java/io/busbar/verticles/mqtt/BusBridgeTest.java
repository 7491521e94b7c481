package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.codecs.bus.Addresses;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The broker's event-bus bridge, with real MQTT clients on the other side. */
@Timeout(30)
class BusBridgeTest {

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static Mqtt5BlockingClient app(String tenant) {
    String name = BrokerFixture.uniqueId("app");
    return broker.connectV5(name, name, broker.appToken(name, tenant));
  }

  private static JsonObject request(String address, JsonObject body) {
    return BrokerFixture.await(broker.vertx.eventBus().<JsonObject>request(address, body)).body();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A bus consumer collecting what the bridge sends to {@code address}. */
  private static BlockingQueue<JsonObject> collect(String address) {
    BlockingQueue<JsonObject> in = new LinkedBlockingQueue<>();
    MessageConsumer<JsonObject> c =
        broker.vertx.eventBus().consumer(address, m -> in.add(m.body()));
    BrokerFixture.await(c.completion());
    return in;
  }

  /**
   * Verifies that a message published on busbar.mqtt.publish reaches an MQTT 5 subscriber of the
   * tenant with QoS, response topic, correlation data, content type, user properties and expiry,
   * and that the reply counts the receiver.
   */
  @Test
  void publishesIntoTheBroker() throws Exception {
    Mqtt5BlockingClient sub = app("acme");
    Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
    sub.subscribeWith().topicFilter("bridge/pub/#").qos(MqttQos.AT_LEAST_ONCE).send();

    JsonObject reply =
        request(
            Addresses.MQTT_PUBLISH,
            new JsonObject()
                .put("tenant", "acme")
                .put("topic", "bridge/pub/a")
                .put("payload", b64("hello"))
                .put("qos", 1)
                .put("responseTopic", "bridge/pub/reply")
                .put("correlationData", b64("c-1"))
                .put("contentType", "text/plain")
                .put("userProperties", new JsonObject().put("k", "v"))
                .put("messageExpiry", 60));

    assertThat(reply.getInteger("delivered")).isEqualTo(1);
    Mqtt5Publish p = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(p.getTopic().toString()).isEqualTo("bridge/pub/a");
    assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
    assertThat(p.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(p.getResponseTopic().orElseThrow().toString()).isEqualTo("bridge/pub/reply");
    ByteBuffer corr = p.getCorrelationData().orElseThrow();
    assertThat(StandardCharsets.UTF_8.decode(corr).toString()).isEqualTo("c-1");
    assertThat(p.getContentType().orElseThrow().toString()).isEqualTo("text/plain");
    assertThat(p.getUserProperties().asList()).hasSize(1);
    assertThat(p.getMessageExpiryInterval().orElseThrow()).isBetween(58L, 60L);
    sub.disconnect();
  }

  /** Verifies that a bus publish reaches no subscriber of another tenant (delivered 0). */
  @Test
  void publishStaysInItsTenant() throws Exception {
    Mqtt5BlockingClient other = app("other");
    Mqtt5Publishes in = other.publishes(MqttGlobalPublishFilter.ALL);
    other.subscribeWith().topicFilter("bridge/tenant/#").send();

    JsonObject reply =
        request(
            Addresses.MQTT_PUBLISH,
            new JsonObject().put("tenant", "acme").put("topic", "bridge/tenant/x"));

    assertThat(reply.getInteger("delivered")).isZero();
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
    other.disconnect();
  }

  /**
   * Verifies that a bus subscription receives matching PUBLISHes of MQTT clients as JSON (payload,
   * text, MQTT 5 properties), retained messages on subscribe, and nothing after unsubscribing.
   */
  @Test
  void subscribesOnTheBus() throws Exception {
    Mqtt5BlockingClient pub = app("acme");
    pub.publishWith()
        .topic("bridge/sub/kept")
        .payload("old".getBytes(StandardCharsets.UTF_8))
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .send();
    String address = BrokerFixture.uniqueId("test.bridge");
    BlockingQueue<JsonObject> in = collect(address);

    JsonObject sub =
        request(
            Addresses.MQTT_SUBSCRIBE,
            new JsonObject()
                .put("tenant", "acme")
                .put("filter", "bridge/sub/+")
                .put("address", address));
    assertThat(sub.getString("subscribed")).isEqualTo("bridge/sub/+");
    JsonObject retained = in.poll(5, TimeUnit.SECONDS);
    assertThat(retained.getString("payloadText")).isEqualTo("old");
    assertThat(retained.getBoolean("retain")).isTrue();

    pub.publishWith()
        .topic("bridge/sub/live")
        .payload("{\"a\":1}".getBytes(StandardCharsets.UTF_8))
        .qos(MqttQos.AT_LEAST_ONCE)
        .responseTopic("bridge/sub/reply")
        .correlationData("xyz".getBytes(StandardCharsets.UTF_8))
        .userProperties()
        .add("line", "L1")
        .applyUserProperties()
        .send();
    JsonObject live = in.poll(5, TimeUnit.SECONDS);
    assertThat(live.getString("tenant")).isEqualTo("acme");
    assertThat(live.getString("topic")).isEqualTo("bridge/sub/live");
    assertThat(live.getString("payloadText")).isEqualTo("{\"a\":1}");
    assertThat(live.getString("payload")).isEqualTo(b64("{\"a\":1}"));
    assertThat(live.getInteger("qos")).isEqualTo(1);
    assertThat(live.getBoolean("retain")).isFalse();
    assertThat(live.getString("responseTopic")).isEqualTo("bridge/sub/reply");
    assertThat(live.getString("correlationData")).isEqualTo(b64("xyz"));
    assertThat(live.getJsonObject("userProperties").getString("line")).isEqualTo("L1");

    JsonObject unsub =
        request(
            Addresses.MQTT_UNSUBSCRIBE,
            new JsonObject()
                .put("tenant", "acme")
                .put("filter", "bridge/sub/+")
                .put("address", address));
    assertThat(unsub.getBoolean("unsubscribed")).isTrue();
    pub.publishWith().topic("bridge/sub/late").qos(MqttQos.AT_LEAST_ONCE).send();
    assertThat(in.poll(300, TimeUnit.MILLISECONDS)).isNull();
    pub.publishWith().topic("bridge/sub/kept").retain(true).send(); // clear the retained message
    pub.disconnect();
  }

  /**
   * Verifies that malformed requests fail with 400 naming the problem and are counted, and the
   * broker keeps serving.
   */
  @Test
  void refusesBadRequests() {
    double before = broker.counter("busbar.mqtt.bridge.rejected");
    assertBad(Addresses.MQTT_PUBLISH, new JsonObject(), "topic");
    assertBad(Addresses.MQTT_PUBLISH, new JsonObject().put("topic", "a/+"), "topic");
    assertBad(Addresses.MQTT_PUBLISH, new JsonObject().put("topic", "a").put("qos", 3), "qos");
    assertBad(
        Addresses.MQTT_PUBLISH, new JsonObject().put("topic", "a").put("payload", "%%"), "base64");
    assertBad(Addresses.MQTT_PUBLISH, new JsonObject().put("topic", "a").put("qos", "one"), "type");
    assertBad(
        Addresses.MQTT_PUBLISH,
        new JsonObject().put("topic", "a").put("responseTopic", "r/#"),
        "responseTopic");
    assertBad(Addresses.MQTT_SUBSCRIBE, new JsonObject().put("filter", "a/#"), "address");
    assertBad(
        Addresses.MQTT_SUBSCRIBE,
        new JsonObject().put("filter", "a/#/b").put("address", "x"),
        "filter");
    assertBad(
        Addresses.MQTT_SUBSCRIBE,
        new JsonObject().put("filter", "$share/g/a").put("address", "x"),
        "shared");
    assertThat(broker.counter("busbar.mqtt.bridge.rejected")).isEqualTo(before + 9);
    JsonObject ok =
        request(Addresses.MQTT_PUBLISH, new JsonObject().put("topic", "bridge/still/alive"));
    assertThat(ok.getInteger("delivered")).isZero();
  }

  private static void assertBad(String address, JsonObject body, String mentions) {
    assertThatThrownBy(() -> request(address, body))
        .rootCause()
        .isInstanceOfSatisfying(
            ReplyException.class,
            e -> {
              assertThat(e.failureCode()).isEqualTo(400);
              assertThat(e.getMessage()).contains(mentions);
            });
  }
}
