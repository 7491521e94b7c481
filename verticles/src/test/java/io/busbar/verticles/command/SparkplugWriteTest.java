package io.busbar.verticles.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.sparkplug.SparkplugCommands.Command;
import io.busbar.codecs.sparkplug.SparkplugHostState;
import io.busbar.codecs.sparkplug.SparkplugTopic;
import io.vertx.core.json.JsonObject;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SparkplugWriteTest {

  private static CommandRequest request(String device, String name, JsonObject params) {
    return new CommandRequest(device, "default", name, params, "c-1", 0);
  }

  private static JsonObject metrics(String name, Object value) {
    return new JsonObject().put("metrics", new JsonObject().put(name, value));
  }

  private static Metric metric(String name, DataType type) {
    Metric.Builder m = Metric.newBuilder().setName(name).setDatatype(type.getNumber());
    switch (type) {
      case Float -> m.setFloatValue(0);
      case Boolean -> m.setBooleanValue(false);
      default -> m.setIntValue(0);
    }
    return m.build();
  }

  private static void receive(SparkplugHostState host, String topic, long seq, Metric... metrics) {
    Payload.Builder p = Payload.newBuilder().setTimestamp(1_000).setSeq(seq);
    for (Metric m : metrics) {
      p.addMetrics(m);
    }
    var r =
        host.receive(
            SparkplugTopic.parse(topic).orElseThrow(),
            p.build(),
            new MessageContext("default", "g1:e1", topic, 1_000, null));
    assertThat(r.result())
        .as(topic)
        .isInstanceOf(io.busbar.codecs.model.DecodeResult.Decoded.class);
  }

  /** Verifies that only write/rebirth to group:edge[:device] ids are taken as Sparkplug. */
  @Test
  void appliesToSparkplugIdsAndNames() {
    assertThat(SparkplugWrite.applies(request("g1:e1", "write", new JsonObject()))).isTrue();
    assertThat(SparkplugWrite.applies(request("g1:e1:d1", "rebirth", new JsonObject()))).isTrue();
    assertThat(SparkplugWrite.applies(request("dev-1", "write", new JsonObject()))).isFalse();
    assertThat(SparkplugWrite.applies(request("g1:e1", "reboot", new JsonObject()))).isFalse();
  }

  /** Verifies that the datatypes declared in NBIRTH/DBIRTH are used for the writes. */
  @Test
  void usesBirthDatatypes() throws Exception {
    SparkplugHostState host = new SparkplugHostState();
    receive(
        host,
        "spBv1.0/g1/NBIRTH/e1",
        0,
        Metric.newBuilder()
            .setName("bdSeq")
            .setDatatype(DataType.Int64_VALUE)
            .setLongValue(0)
            .build(),
        metric("Line/Speed", DataType.Float));
    receive(host, "spBv1.0/g1/DBIRTH/e1/d1", 1, metric("Setpoint", DataType.Int32));

    Command node =
        SparkplugWrite.command(request("g1:e1", "write", metrics("Line/Speed", 2.5)), host, 7);
    Command device =
        SparkplugWrite.command(request("g1:e1:d1", "write", metrics("Setpoint", 42)), host, 7);

    assertThat(node.topic()).isEqualTo("spBv1.0/g1/NCMD/e1");
    Metric speed = Payload.parseFrom(node.payload()).getMetrics(0);
    assertThat(speed.getDatatype()).isEqualTo(DataType.Float_VALUE);
    assertThat(speed.getFloatValue()).isEqualTo(2.5f);
    assertThat(device.topic()).isEqualTo("spBv1.0/g1/DCMD/e1/d1");
    assertThat(device.qos()).isZero();
    assertThat(device.retain()).isFalse();
    Metric setpoint = Payload.parseFrom(device.payload()).getMetrics(0);
    assertThat(setpoint.getDatatype()).isEqualTo(DataType.Int32_VALUE);
    assertThat(setpoint.getIntValue()).isEqualTo(42);
  }

  /** Verifies that without a birth the datatype follows the JSON value. */
  @Test
  void infersDatatypesWithoutBirth() throws Exception {
    JsonObject params =
        new JsonObject()
            .put(
                "metrics",
                new JsonObject().put("a", true).put("b", 3).put("c", 1.5).put("d", "on"));

    Payload p =
        Payload.parseFrom(
            SparkplugWrite.command(request("g1:e1", "write", params), null, 7).payload());

    assertThat(p.getMetricsList())
        .extracting(Metric::getName, Metric::getDatatype)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", DataType.Boolean_VALUE),
            org.assertj.core.groups.Tuple.tuple("b", DataType.Int64_VALUE),
            org.assertj.core.groups.Tuple.tuple("c", DataType.Double_VALUE),
            org.assertj.core.groups.Tuple.tuple("d", DataType.String_VALUE));
  }

  /** Verifies that rebirth becomes the Node Control/Rebirth NCMD. */
  @Test
  void rebirth() throws Exception {
    Command c = SparkplugWrite.command(request("g1:e1", "rebirth", new JsonObject()), null, 7);

    assertThat(c.topic()).isEqualTo("spBv1.0/g1/NCMD/e1");
    Metric m = Payload.parseFrom(c.payload()).getMetrics(0);
    assertThat(m.getName()).isEqualTo("Node Control/Rebirth");
    assertThat(m.getBooleanValue()).isTrue();
  }

  /** Verifies that bad requests fail with 400 naming the field. */
  @Test
  void refusesBadParams() {
    SparkplugHostState host = new SparkplugHostState();
    receive(
        host,
        "spBv1.0/g1/NBIRTH/e1",
        0,
        Metric.newBuilder()
            .setName("bdSeq")
            .setDatatype(DataType.Int64_VALUE)
            .setLongValue(0)
            .build(),
        metric("Enabled", DataType.Boolean));
    assertBad(request("g1:e1", "write", new JsonObject()), host, "params.metrics");
    assertBad(request("g1:e1", "write", metrics("x", new JsonObject())), host, "params.metrics.x");
    assertBad(request("g1:e1", "write", metrics("Enabled", 1)), host, "Enabled");
    assertBad(request("g1::e1", "write", metrics("x", 1)), host, "device");
    assertBad(request("g1:e1:d1:x", "write", metrics("x", 1)), host, "device");
    assertBad(request("g1:e1:d1", "rebirth", new JsonObject()), host, "device");
  }

  private static void assertBad(CommandRequest r, SparkplugHostState host, String mentions) {
    assertThatThrownBy(() -> SparkplugWrite.command(r, host, 7))
        .isInstanceOfSatisfying(
            CommandFailure.class,
            e -> {
              assertThat(e.code()).isEqualTo(400);
              assertThat(e.getMessage()).contains(mentions);
            });
  }
}
