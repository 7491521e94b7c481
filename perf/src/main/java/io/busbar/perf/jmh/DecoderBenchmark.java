package io.busbar.perf.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.busbar.codecs.cbor.CborTelemetryDecoder;
import io.busbar.codecs.frame.FrameLayoutDecoder;
import io.busbar.codecs.frame.FrameLayouts;
import io.busbar.codecs.json.JsonTelemetryDecoder;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.sparkplug.SparkplugDecoder;
import io.busbar.codecs.sparkplug.SparkplugHostState;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of turning one message into events, per decoder: the Busbar JSON and CBOR telemetry formats
 * (five metrics), a 10-byte PLC frame with a CRC-16/Modbus, and a Sparkplug B NDATA of five metrics
 * by alias after its NBIRTH. Run by hand (see perf/RESULTS.md), never by {@code mvn verify}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecoderBenchmark {

  private static final Map<String, Object> METRICS =
      Map.of(
          "temperature",
          71.25,
          "power_kw",
          12.5,
          "vibration",
          2.1,
          "parts",
          4242,
          "state",
          "RUNNING");

  private final JsonTelemetryDecoder json = new JsonTelemetryDecoder();
  private final CborTelemetryDecoder cbor = new CborTelemetryDecoder();
  private FrameLayoutDecoder frames;
  private SparkplugDecoder sparkplug;
  private Buffer jsonPayload;
  private Buffer cborPayload;
  private Buffer framePayload;

  /** NDATA payloads by seq 0–255, sent in order after the NBIRTH (seq 0) as an edge node would. */
  private final Buffer[] ndataBySeq = new Buffer[256];

  private int nextSeq = 1;
  private MessageContext telemetry;
  private MessageContext frame;
  private MessageContext ndata;

  @Setup
  public void setUp() throws Exception {
    Map<String, Object> doc = Map.of("ts", 1_732_440_000_000L, "metrics", METRICS);
    jsonPayload = Buffer.buffer(new ObjectMapper().writeValueAsBytes(doc));
    cborPayload = Buffer.buffer(new ObjectMapper(new CBORFactory()).writeValueAsBytes(doc));
    telemetry = new MessageContext("t", "d1", "devices/d1/telemetry", 0L, null);

    frames =
        new FrameLayoutDecoder(
            FrameLayouts.fromConfig(
                Map.of(
                    "layouts",
                    Map.of(
                        "plc",
                        Map.of(
                            "length",
                            10,
                            "byteOrder",
                            "big",
                            "fields",
                            List.of(
                                Map.of(
                                    "name",
                                    "temperature",
                                    "offset",
                                    0,
                                    "type",
                                    "i16",
                                    "scale",
                                    0.1),
                                Map.of(
                                    "name", "pressure", "offset", 2, "type", "u16", "scale", 0.01),
                                Map.of(
                                    "name", "running", "offset", 4, "type", "bits", "length", 1,
                                    "bit", 0, "width", 1),
                                Map.of("name", "cycles", "offset", 5, "type", "u16")),
                            "checksum",
                            Map.of(
                                "algorithm",
                                "crc16_modbus",
                                "from",
                                0,
                                "to",
                                -2,
                                "at",
                                -2,
                                "byteOrder",
                                "little"))))));
    ByteBuffer bytes = ByteBuffer.allocate(10);
    bytes
        .putShort((short) 715)
        .putShort((short) 250)
        .put((byte) 1)
        .putShort((short) 4242)
        .put((byte) 0);
    int crc = 0xFFFF;
    for (int i = 0; i < 8; i++) {
      crc ^= bytes.get(i) & 0xff;
      for (int b = 0; b < 8; b++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
      }
    }
    bytes.put(8, (byte) crc).put(9, (byte) (crc >>> 8));
    framePayload = Buffer.buffer(bytes.array());
    frame = new MessageContext("t", "plc7", "devices/plc7/frames/plc", 0L, null);

    sparkplug = new SparkplugDecoder(new SparkplugHostState());
    Payload.Builder birth = Payload.newBuilder().setTimestamp(1).setSeq(0);
    birth.addMetrics(
        Payload.Metric.newBuilder()
            .setName("bdSeq")
            .setDatatype(DataType.Int64.getNumber())
            .setLongValue(0));
    for (int alias = 1; alias <= 5; alias++) {
      birth.addMetrics(
          Payload.Metric.newBuilder()
              .setName("Line/M" + alias)
              .setAlias(alias)
              .setDatatype(DataType.Double.getNumber())
              .setDoubleValue(alias));
    }
    for (int seq = 0; seq < 256; seq++) {
      Payload.Builder data = Payload.newBuilder().setTimestamp(2).setSeq(seq);
      for (int alias = 1; alias <= 5; alias++) {
        data.addMetrics(
            Payload.Metric.newBuilder()
                .setAlias(alias)
                .setDatatype(DataType.Double.getNumber())
                .setDoubleValue(alias * 1.5));
      }
      ndataBySeq[seq] = Buffer.buffer(data.build().toByteArray());
    }
    MessageContext nbirth = new MessageContext("t", "g1:e1", "spBv1.0/g1/NBIRTH/e1", 0L, null);
    DecodeResult born = sparkplug.decode(nbirth, Buffer.buffer(birth.build().toByteArray()));
    if (!(born instanceof DecodeResult.Decoded)) {
      throw new IllegalStateException("NBIRTH not decoded: " + born);
    }
    ndata = new MessageContext("t", "g1:e1", "spBv1.0/g1/NDATA/e1", 0L, null);
  }

  @Benchmark
  public DecodeResult json() {
    return json.decode(telemetry, jsonPayload);
  }

  @Benchmark
  public DecodeResult cbor() {
    return cbor.decode(telemetry, cborPayload);
  }

  @Benchmark
  public DecodeResult plcFrame() {
    return frames.decode(frame, framePayload);
  }

  /** In-order NDATA by alias: alias resolution and seq checking included. */
  @Benchmark
  public DecodeResult sparkplugNdata() {
    Buffer payload = ndataBySeq[nextSeq];
    nextSeq = (nextSeq + 1) & 0xff;
    return sparkplug.decode(ndata, payload);
  }
}
