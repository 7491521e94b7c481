package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAck;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PUBLISH routing, ACLs, tenants and retained messages (MQTT §3.3, §3.8, §4.7) with real clients.
 */
@Timeout(30)
class MqttRoutingTest {

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Mqtt5BlockingClient app(String tenant) {
    String name = BrokerFixture.uniqueId("app");
    return broker.connectV5(name, name, broker.appToken(name, tenant));
  }

  private static Mqtt5BlockingClient device(String id, String tenant) {
    return broker.connectV5(BrokerFixture.uniqueId(id), id, broker.deviceToken(id, tenant));
  }

  private static Mqtt5Publish receive(Mqtt5Publishes publishes) throws InterruptedException {
    Optional<Mqtt5Publish> p = publishes.receive(5, TimeUnit.SECONDS);
    assertThat(p).as("a message must arrive").isPresent();
    return p.get();
  }

  private static void assertNothing(Mqtt5Publishes publishes) throws InterruptedException {
    assertThat(publishes.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
  }

  /**
   * Verifies that a device's QoS 1 PUBLISH reaches a '+' subscriber at QoS 1 and a '#' subscriber
   * at its granted QoS 0 (the minimum of publish and granted QoS, §3.8.4).
   */
  @Test
  void routesToWildcardSubscribersAtQos0And1() throws Exception {
    Mqtt5BlockingClient plus = app("acme");
    Mqtt5BlockingClient hash = app("acme");
    Mqtt5Publishes plusIn = plus.publishes(MqttGlobalPublishFilter.ALL);
    Mqtt5Publishes hashIn = hash.publishes(MqttGlobalPublishFilter.ALL);
    plus.subscribeWith().topicFilter("devices/+/status").qos(MqttQos.AT_LEAST_ONCE).send();
    hash.subscribeWith().topicFilter("devices/#").qos(MqttQos.AT_MOST_ONCE).send();

    Mqtt5BlockingClient press = device("press-1", "acme");
    press
        .publishWith()
        .topic("devices/press-1/status")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("up"))
        .send();

    Mqtt5Publish p1 = receive(plusIn);
    assertThat(p1.getTopic().toString()).isEqualTo("devices/press-1/status");
    assertThat(p1.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(new String(p1.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("up");
    Mqtt5Publish p2 = receive(hashIn);
    assertThat(p2.getQos()).isEqualTo(MqttQos.AT_MOST_ONCE);

    press
        .publishWith()
        .topic("devices/press-1/status")
        .qos(MqttQos.AT_MOST_ONCE)
        .payload(bytes("q0"))
        .send();
    assertThat(receive(plusIn).getQos()).isEqualTo(MqttQos.AT_MOST_ONCE);
    assertThat(new String(receive(hashIn).getPayloadAsBytes(), StandardCharsets.UTF_8))
        .isEqualTo("q0");
    press.disconnect();
    plus.disconnect();
    hash.disconnect();
  }

  /**
   * Verifies that a 5.0 device publishing outside devices/{sub}/… gets PUBACK 0x87, the message is
   * not delivered and the denial is counted.
   */
  @Test
  void refusesPublishOutsideOwnTopics() throws Exception {
    Mqtt5BlockingClient watcher = app("acme");
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("devices/press-7/#").qos(MqttQos.AT_LEAST_ONCE).send();
    double before = broker.counter("busbar.mqtt.publish.denied");

    Mqtt5BlockingClient intruder = device("press-6", "acme");
    Mqtt5PubAckException e =
        catchThrowableOfType(
            Mqtt5PubAckException.class,
            () ->
                intruder
                    .publishWith()
                    .topic("devices/press-7/status")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("spoof"))
                    .send());
    assertThat(e).isNotNull();
    assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
    assertNothing(in);
    assertThat(broker.counter("busbar.mqtt.publish.denied")).isEqualTo(before + 1);
    intruder.disconnect();
    watcher.disconnect();
  }

  /** Verifies that a 3.1.1 device's denied QoS 1 PUBLISH is acknowledged, dropped and counted. */
  @Test
  void dropsDeniedPublishFrom311Client() throws Exception {
    Mqtt5BlockingClient watcher = app("acme");
    Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL);
    watcher.subscribeWith().topicFilter("elsewhere/#").qos(MqttQos.AT_LEAST_ONCE).send();
    double before = broker.counter("busbar.mqtt.publish.denied");
    Mqtt3BlockingClient dev =
        broker.connectV3(
            BrokerFixture.uniqueId("d3"), "press-3", broker.deviceToken("press-3", "acme"));
    dev.publishWith().topic("elsewhere/x").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x")).send();
    assertNothing(in);
    assertThat(broker.counter("busbar.mqtt.publish.denied")).isEqualTo(before + 1);
    dev.disconnect();
    watcher.disconnect();
  }

  /** Verifies that a device may not subscribe outside its command topics: 5.0 0x87, 3.1.1 0x80. */
  @Test
  void refusesSubscribeOutsideCommands() {
    Mqtt5BlockingClient dev5 = device("press-4", "acme");
    Mqtt5SubAckException e =
        catchThrowableOfType(
            Mqtt5SubAckException.class, () -> dev5.subscribeWith().topicFilter("devices/#").send());
    assertThat(e.getMqttMessage().getReasonCodes())
        .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
    assertThat(
            dev5.subscribeWith().topicFilter("devices/press-4/commands/#").send().getReasonCodes())
        .containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2);
    dev5.disconnect();

    Mqtt3BlockingClient dev3 =
        broker.connectV3(
            BrokerFixture.uniqueId("d3"), "press-5", broker.deviceToken("press-5", "acme"));
    Mqtt3SubAck ack =
        catchThrowableOfType(
                com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException.class,
                () -> dev3.subscribeWith().topicFilter("#").send())
            .getMqttMessage();
    assertThat(ack.getReturnCodes()).containsExactly(Mqtt3SubAckReturnCode.FAILURE);
    dev3.disconnect();
  }

  /** Verifies that a subscriber in another tenant never sees a tenant's messages, even with '#'. */
  @Test
  void keepsTenantsApart() throws Exception {
    Mqtt5BlockingClient acmeApp = app("acme");
    Mqtt5BlockingClient otherApp = app("globex");
    Mqtt5Publishes acmeIn = acmeApp.publishes(MqttGlobalPublishFilter.ALL);
    Mqtt5Publishes otherIn = otherApp.publishes(MqttGlobalPublishFilter.ALL);
    acmeApp.subscribeWith().topicFilter("devices/mill-1/#").send();
    otherApp.subscribeWith().topicFilter("#").send();

    Mqtt5BlockingClient mill = device("mill-1", "acme");
    mill.publishWith().topic("devices/mill-1/status").payload(bytes("acme-only")).send();
    assertThat(receive(acmeIn).getTopic().toString()).isEqualTo("devices/mill-1/status");
    assertNothing(otherIn);
    mill.disconnect();
    acmeApp.disconnect();
    otherApp.disconnect();
  }

  /**
   * Verifies that a retained message is delivered with RETAIN to a later subscriber (HiveMQ 5.0 and
   * Paho 3.1.1), replaced by a newer one and cleared by an empty payload (§3.3.1.3).
   */
  @Test
  void setsReplacesAndClearsRetained() throws Exception {
    Mqtt5BlockingClient publisher = app("acme");
    publisher
        .publishWith()
        .topic("plant/line1/state")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("old"))
        .send();
    publisher
        .publishWith()
        .topic("plant/line1/state")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("RUNNING"))
        .send();

    Mqtt5BlockingClient late = app("acme");
    Mqtt5Publishes in = late.publishes(MqttGlobalPublishFilter.ALL);
    late.subscribeWith().topicFilter("plant/+/state").qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt5Publish r = receive(in);
    assertThat(r.isRetain()).isTrue();
    assertThat(new String(r.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("RUNNING");
    assertNothing(in);

    // a live delivery to an established subscription has RETAIN cleared (retain-as-published off)
    publisher
        .publishWith()
        .topic("plant/line1/state")
        .retain(true)
        .payload(bytes("STOPPED"))
        .send();
    Mqtt5Publish live = receive(in);
    assertThat(live.isRetain()).isFalse();

    // a 3.1.1 subscriber (Paho) gets the retained message too
    org.eclipse.paho.client.mqttv3.MqttClient paho =
        new org.eclipse.paho.client.mqttv3.MqttClient(
            "tcp://127.0.0.1:" + broker.port, "paho-ret", new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setUserName("paho-app");
    options.setPassword(broker.appToken("paho-app", "acme").toCharArray());
    paho.connect(options);
    java.util.concurrent.BlockingQueue<org.eclipse.paho.client.mqttv3.MqttMessage> pahoIn =
        new java.util.concurrent.LinkedBlockingQueue<>();
    paho.subscribe("plant/line1/state", 1, (topic, msg) -> pahoIn.add(msg));
    org.eclipse.paho.client.mqttv3.MqttMessage pm = pahoIn.poll(5, TimeUnit.SECONDS);
    assertThat(pm).isNotNull();
    assertThat(pm.isRetained()).isTrue();
    assertThat(new String(pm.getPayload(), StandardCharsets.UTF_8)).isEqualTo("STOPPED");
    paho.disconnect();
    paho.close();

    // an empty retained payload clears it
    publisher
        .publishWith()
        .topic("plant/line1/state")
        .retain(true)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(new byte[0])
        .send();
    receive(in); // the live empty message itself
    Mqtt5BlockingClient later = app("acme");
    Mqtt5Publishes laterIn = later.publishes(MqttGlobalPublishFilter.ALL);
    later.subscribeWith().topicFilter("plant/#").send();
    assertNothing(laterIn);
    publisher.disconnect();
    late.disconnect();
    later.disconnect();
  }
}
