package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigValues;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** CBOR, binary frames and Sparkplug B from real MQTT clients through a whole node to the store. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PayloadsEndToEndTest {

  @TempDir static Path dataDir;
  private static Node node;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    node =
        Main.await(
            Node.start(
                BusbarConfig.from(
                    ConfigValues.defaults()
                        .with(
                            Map.of(
                                "mqtt.port",
                                "0",
                                "http.port",
                                "0",
                                "node.data-dir",
                                dataDir.toString(),
                                "storage.flush-interval",
                                "20ms"),
                            "test"))),
            "start the node");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      Main.await(node.close(), "stop the node");
    }
  }

  private static String stored(String device, String metric) throws Exception {
    String uri =
        "http://127.0.0.1:"
            + node.httpPort()
            + "/api/v1/devices/"
            + device
            + "/telemetry?metric="
            + metric;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    String body = "[]";
    while (System.nanoTime() < deadline) {
      body =
          HTTP.send(
                  HttpRequest.newBuilder(URI.create(uri)).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (!body.equals("[]")) {
        return body;
      }
      Thread.sleep(50);
    }
    return fail("%s/%s never stored; last answer %s", device, metric, body);
  }

  /** Verifies that an MQTT 5 publish with content type application/cbor is decoded as CBOR. */
  @Test
  void cborTelemetry() throws Exception {
    byte[] cbor =
        new ObjectMapper(new CBORFactory())
            .writeValueAsBytes(Map.of("metrics", Map.of("pressure", 3.25)));
    Mqtt5BlockingClient device =
        TestClients.connect(node.mqttPort(), "c1", TestClients.mint(dataDir, "c1"));
    device
        .publishWith()
        .topic("devices/c1/telemetry")
        .contentType("application/cbor")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(cbor)
        .send();
    assertThat(stored("c1", "pressure")).contains("3.25");
    device.disconnect();
  }

  /** Verifies that a PLC frame is decoded by the layout its topic names, checksum included. */
  @Test
  void binaryFrameByConfiguredLayout() throws Exception {
    ByteBuffer frame = ByteBuffer.allocate(10).order(ByteOrder.BIG_ENDIAN);
    frame
        .putShort((short) 715) // temperature 71.5 °C (×0.1)
        .putShort((short) 250) // pressure 2.50 bar (×0.01)
        .put((byte) 1) // running bit 0
        .putShort((short) 4242) // cycle count
        .put((byte) 0); // spare
    int crc = crc16Modbus(frame.array(), 8);
    frame.put(8, (byte) (crc & 0xff)).put(9, (byte) (crc >>> 8)); // little-endian CRC
    Mqtt5BlockingClient plc =
        TestClients.connect(node.mqttPort(), "plc7", TestClients.mint(dataDir, "plc7"));
    plc.publishWith()
        .topic("devices/plc7/frames/plc-basic")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(frame.array())
        .send();
    assertThat(stored("plc7", "temperature")).contains("71.5");
    assertThat(stored("plc7", "cycle_count")).contains("4242");
    plc.disconnect();
  }

  /**
   * Verifies that a Sparkplug B NBIRTH then NDATA by alias reach the store under {group}:{edge}.
   */
  @Test
  void sparkplugBirthThenDataByAlias() throws Exception {
    Payload birth =
        Payload.newBuilder()
            .setTimestamp(System.currentTimeMillis())
            .setSeq(0)
            .addMetrics(
                Payload.Metric.newBuilder()
                    .setName("bdSeq")
                    .setDatatype(DataType.Int64.getNumber())
                    .setLongValue(0))
            .addMetrics(
                Payload.Metric.newBuilder()
                    .setName("Line/Speed")
                    .setAlias(7)
                    .setDatatype(DataType.Double.getNumber())
                    .setDoubleValue(1.5))
            .build();
    Payload data =
        Payload.newBuilder()
            .setTimestamp(System.currentTimeMillis())
            .setSeq(1)
            .addMetrics(
                Payload.Metric.newBuilder()
                    .setAlias(7)
                    .setDatatype(DataType.Double.getNumber())
                    .setDoubleValue(2.75))
            .build();
    // an edge gateway with an application token: the Sparkplug edge ACL is not there yet
    Mqtt5BlockingClient edge =
        TestClients.connect(node.mqttPort(), "g1-e1", TestClients.mint(dataDir, "g1-e1", "app"));
    edge.publishWith()
        .topic("spBv1.0/g1/NBIRTH/e1")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(birth.toByteArray())
        .send();
    edge.publishWith()
        .topic("spBv1.0/g1/NDATA/e1")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(data.toByteArray())
        .send();
    String speed = stored("g1:e1", "Line/Speed");
    assertThat(speed).contains("1.5");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!speed.contains("2.75") && System.nanoTime() < deadline) {
      Thread.sleep(50);
      speed = stored("g1:e1", "Line/Speed");
    }
    assertThat(speed).as("NDATA by alias 7").contains("2.75");
    String nodes =
        HTTP.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + node.httpPort() + "/api/v1/sparkplug/nodes"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(nodes).contains("\"id\":\"g1:e1\"").contains("\"online\":true");
    edge.disconnect();
  }

  private static int crc16Modbus(byte[] bytes, int length) {
    int crc = 0xFFFF;
    for (int i = 0; i < length; i++) {
      crc ^= bytes[i] & 0xff;
      for (int b = 0; b < 8; b++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
      }
    }
    return crc;
  }
}
