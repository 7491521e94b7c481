package io.busbar.codecs.sparkplug;

import com.google.protobuf.ByteString;
import io.vertx.core.buffer.Buffer;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.PropertySet;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.PropertyValue;

/** Builders of Sparkplug payloads for tests, with the generated protobuf classes. */
final class Payloads {

  private Payloads() {}

  static Metric.Builder metric(String name, long alias, DataType type) {
    Metric.Builder m = Metric.newBuilder().setDatatype(type.getNumber());
    if (name != null) {
      m.setName(name);
    }
    if (alias >= 0) {
      m.setAlias(alias);
    }
    return m;
  }

  static Metric bdSeq(long value) {
    return metric("bdSeq", -1, DataType.Int64).setLongValue(value).build();
  }

  static Metric.Builder withUnit(Metric.Builder m, String unit) {
    return m.setProperties(
        PropertySet.newBuilder()
            .addKeys("engUnit")
            .addValues(
                PropertyValue.newBuilder().setType(DataType.String_VALUE).setStringValue(unit)));
  }

  static Payload payload(long ts, Long seq, Metric... metrics) {
    Payload.Builder p = Payload.newBuilder().setTimestamp(ts);
    if (seq != null) {
      p.setSeq(seq);
    }
    for (Metric m : metrics) {
      p.addMetrics(m);
    }
    return p.build();
  }

  static Buffer bytes(Payload p) {
    return Buffer.buffer(p.toByteArray());
  }

  static ByteString le(int... bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = (byte) bytes[i];
    }
    return ByteString.copyFrom(out);
  }
}
