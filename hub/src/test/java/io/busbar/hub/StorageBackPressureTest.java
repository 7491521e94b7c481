package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigValues;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A full storage queue reaches the device as a delayed PUBACK, never as a lost reading. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StorageBackPressureTest {

  @TempDir static Path dataDir;
  private static Node node;

  @BeforeAll
  static void start() throws Exception {
    // room for one message of three readings; batches are written only every 2 s
    node =
        Main.await(
            Node.start(
                BusbarConfig.from(
                    ConfigValues.defaults()
                        .with(
                            Map.of(
                                "mqtt.port", "0",
                                "http.port", "0",
                                "node.data-dir", dataDir.toString(),
                                "storage.queue-capacity", "4",
                                "storage.batch-size", "1000",
                                "storage.flush-interval", "2s"),
                            "test"))),
            "start the node");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      Main.await(node.close(), "stop the node");
    }
  }

  private static double metric(String name) throws Exception {
    String text =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(2));
    }
    return sum;
  }

  /**
   * Verifies that while the store's queue is full, QoS 1 acknowledgements wait for the store to
   * take each reading (counted as back-pressure), and every acknowledged reading is stored.
   */
  @Test
  void fullQueueDelaysAcknowledgementsAndLosesNothing() throws Exception {
    Mqtt5BlockingClient device =
        TestClients.connect(node.mqttPort(), "bp1", TestClients.mint(dataDir, "bp1"));
    for (int i = 0; i < 3; i++) {
      String body =
          "{\"ts\":"
              + (1000 + i)
              + ",\"metrics\":{\"a\":"
              + i
              + ",\"b\":"
              + i
              + ",\"c\":"
              + i
              + "}}";
      device
          .publishWith()
          .topic("devices/bp1/telemetry")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(body.getBytes(StandardCharsets.UTF_8))
          .send();
      // the PUBACK has arrived: the store must already have taken this message's readings
      assertThat(metric("busbar_storage_ingest_accepted_total")).isGreaterThanOrEqualTo(i + 1);
    }
    assertThat(metric("busbar_mqtt_storage_backpressure_total"))
        .as("offers refused while the queue was full")
        .isPositive();
    device.disconnect();
    String uri = "http://127.0.0.1:" + node.httpPort() + "/api/v1/devices/bp1/telemetry?metric=a";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String body = "";
    while (System.nanoTime() < deadline) {
      body =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(uri)).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (body.split("\"metric\"").length - 1 == 3) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(body.split("\"metric\"").length - 1).as(body).isEqualTo(3);
  }
}
