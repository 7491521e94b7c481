package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.EventBatch;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readings ingested over HTTP, routed by the broker to MQTT subscribers ({@link IngestedPublish}).
 */
@Timeout(30)
class MqttIngestedPublishTest {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private static final String JSON = "{\"metrics\":{\"flow\":7.5}}";

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

  private static JsonObject ingested(String device, String topic) {
    return new JsonObject()
        .put("tenant", "acme")
        .put("device", device)
        .put("topic", topic)
        .put("payload", Base64.getEncoder().encodeToString(JSON.getBytes(StandardCharsets.UTF_8)))
        .put("contentType", "application/json")
        .put("subject", device)
        .put("roles", new JsonArray())
        .put("attributes", new JsonObject());
  }

  private static double refused(String reason) {
    return broker.registry.counter("busbar.mqtt.ingested.refused", "reason", reason).count();
  }

  /**
   * Verifies that an ingested reading reaches an MQTT 5 subscriber of its tenant as a QoS 1,
   * non-retained publish with its content type, and is not decoded again onto busbar.events.
   */
  @Test
  void routesToSubscribersWithoutDecodingAgain() throws Exception {
    Mqtt5BlockingClient sub = app("acme");
    Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
    sub.subscribeWith().topicFilter("devices/#").qos(MqttQos.EXACTLY_ONCE).send();
    BlockingQueue<EventBatch> events = new LinkedBlockingQueue<>();
    MessageConsumer<EventBatch> c =
        broker
            .vertx
            .eventBus()
            .consumer(
                Addresses.EVENTS,
                m -> {
                  if (m.body().events().stream().anyMatch(e -> e.deviceId().equals("ing-1"))) {
                    events.add(m.body());
                  }
                });
    BrokerFixture.await(c.completion());
    double before = broker.registry.counter("busbar.mqtt.ingested.routed").count();

    broker
        .vertx
        .eventBus()
        .send(Addresses.MQTT_INGESTED, ingested("ing-1", "devices/ing-1/telemetry"), LOCAL);

    Mqtt5Publish p = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(p.getTopic().toString()).isEqualTo("devices/ing-1/telemetry");
    assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo(JSON);
    assertThat(p.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(p.isRetain()).isFalse();
    assertThat(p.getContentType().orElseThrow().toString()).isEqualTo("application/json");
    assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(broker.registry.counter("busbar.mqtt.ingested.routed").count())
        .isEqualTo(before + 1);
    BrokerFixture.await(c.unregister());
    sub.disconnect();
  }

  /**
   * Verifies that a reading on a topic the device's ACL does not let it publish on, and one for
   * another tenant's subscribers, reach no one (the denial is counted), while one an app posted for
   * a device is judged by the device's ACL.
   */
  @Test
  void honoursAclAndTenant() throws Exception {
    Mqtt5BlockingClient sub = app("acme");
    Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
    sub.subscribeWith().topicFilter("devices/+/telemetry").send();
    Mqtt5BlockingClient other = app("other");
    Mqtt5Publishes foreign = other.publishes(MqttGlobalPublishFilter.ALL);
    other.subscribeWith().topicFilter("devices/#").send();
    double denied = refused("acl");

    // a device may publish under its own id only (TopicAcl defaults)
    broker
        .vertx
        .eventBus()
        .send(Addresses.MQTT_INGESTED, ingested("ing-2", "devices/ing-3/telemetry"), LOCAL);
    broker
        .vertx
        .eventBus()
        .send(Addresses.MQTT_INGESTED, ingested("ing-4", "devices/ing-4/telemetry"), LOCAL);

    // an app posting for a device is judged as the device: its own topic is allowed
    broker
        .vertx
        .eventBus()
        .send(
            Addresses.MQTT_INGESTED,
            ingested("ing-7", "devices/ing-7/telemetry")
                .put("subject", "mes")
                .put("roles", new JsonArray().add("app")),
            LOCAL);

    Mqtt5Publish p = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(p.getTopic().toString()).isEqualTo("devices/ing-4/telemetry");
    p = in.receive(5, TimeUnit.SECONDS).orElseThrow();
    assertThat(p.getTopic().toString()).isEqualTo("devices/ing-7/telemetry");
    assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
    assertThat(foreign.receive(100, TimeUnit.MILLISECONDS)).isEmpty();
    assertThat(refused("acl")).isEqualTo(denied + 1);
    sub.disconnect();
    other.disconnect();
  }

  /**
   * Verifies that malformed messages (not JSON, no topic, a wildcard topic, bad base64) are counted
   * and dropped, and the broker keeps routing.
   */
  @Test
  void dropsMalformedMessages() throws Exception {
    double before = refused("malformed");
    var bus = broker.vertx.eventBus();
    bus.send(Addresses.MQTT_INGESTED, "not json", LOCAL);
    bus.send(
        Addresses.MQTT_INGESTED,
        ingested("ing-5", "devices/ing-5/telemetry").put("topic", (String) null),
        LOCAL);
    bus.send(Addresses.MQTT_INGESTED, ingested("ing-5", "devices/+/telemetry"), LOCAL);
    bus.send(
        Addresses.MQTT_INGESTED,
        ingested("ing-5", "devices/ing-5/telemetry").put("payload", "%%%"),
        LOCAL);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (refused("malformed") < before + 4 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(refused("malformed")).isEqualTo(before + 4);

    Mqtt5BlockingClient sub = app("acme");
    Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
    sub.subscribeWith().topicFilter("devices/ing-6/#").send();
    bus.send(Addresses.MQTT_INGESTED, ingested("ing-6", "devices/ing-6/telemetry"), LOCAL);
    assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
    sub.disconnect();
  }
}
