package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.EventBatch;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Telemetry publishes decoded onto the event bus: events, dead letters, and recovery. */
@Timeout(30)
class MqttIngestTest {

  private static BrokerFixture broker;
  private static final BlockingQueue<EventBatch> events = new LinkedBlockingQueue<>();
  private static final BlockingQueue<DeadLetter> deadLetters = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start();
    MessageConsumer<EventBatch> e =
        broker.vertx.eventBus().consumer(Addresses.EVENTS, m -> events.add(m.body()));
    MessageConsumer<DeadLetter> d =
        broker.vertx.eventBus().consumer(Addresses.DEAD_LETTERS, m -> deadLetters.add(m.body()));
    BrokerFixture.await(e.completion());
    BrokerFixture.await(d.completion());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Verifies that a JSON telemetry PUBLISH becomes an EventBatch for the token's tenant and the
   * topic's device, a malformed one a DeadLetter (counted in busbar.decode.failures), and that the
   * next good message is decoded again.
   */
  @Test
  void decodesTelemetryAndDeadLettersBadPayloads() throws Exception {
    Mqtt5BlockingClient dev =
        broker.connectV5("pump-1", "pump-1", broker.deviceToken("pump-1", "acme"));
    dev.publishWith()
        .topic("devices/pump-1/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("{\"metrics\":{\"temperature\":71.5}}"))
        .send();
    EventBatch batch = events.poll(5, TimeUnit.SECONDS);
    assertThat(batch).isNotNull();
    assertThat(batch.events()).hasSize(1);
    assertThat(batch.events().get(0).tenant()).isEqualTo("acme");
    assertThat(batch.events().get(0).deviceId()).isEqualTo("pump-1");
    assertThat(batch.events().get(0).metric()).isEqualTo("temperature");
    assertThat(batch.events().get(0).sourceTopic()).isEqualTo("devices/pump-1/telemetry");

    double failures = broker.counter("busbar.decode.failures");
    dev.publishWith()
        .topic("devices/pump-1/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("{\"metrics\": {oops"))
        .send();
    DeadLetter dead = deadLetters.poll(5, TimeUnit.SECONDS);
    assertThat(dead).isNotNull();
    assertThat(dead.tenant()).isEqualTo("acme");
    assertThat(dead.deviceId()).isEqualTo("pump-1");
    assertThat(dead.reason()).isNotBlank();
    assertThat(new String(dead.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"metrics\": {oops");
    assertThat(broker.counter("busbar.decode.failures")).isEqualTo(failures + 1);

    dev.publishWith()
        .topic("devices/pump-1/telemetry")
        .qos(MqttQos.AT_MOST_ONCE)
        .payload(bytes("{\"metrics\":{\"pressure\":3.2}}"))
        .send();
    EventBatch next = events.poll(5, TimeUnit.SECONDS);
    assertThat(next).isNotNull();
    assertThat(next.events().get(0).metric()).isEqualTo("pressure");
    dev.disconnect();
  }

  /** Verifies that a 3.1.1 device's telemetry is decoded too, and other topics are not. */
  @Test
  void decodes311TelemetryOnlyOnDecoderTopics() throws Exception {
    Mqtt3BlockingClient dev =
        broker.connectV3("fan-1", "fan-1", broker.deviceToken("fan-1", "acme"));
    dev.publishWith().topic("devices/fan-1/status").payload(bytes("not json")).send();
    dev.publishWith()
        .topic("devices/fan-1/telemetry")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("{\"metrics\":{\"rpm\":1200}}"))
        .send();
    EventBatch batch = events.poll(5, TimeUnit.SECONDS);
    assertThat(batch).isNotNull();
    assertThat(batch.events().get(0).deviceId()).isEqualTo("fan-1");
    assertThat(deadLetters.poll(200, TimeUnit.MILLISECONDS)).isNull();
    dev.disconnect();
  }
}
