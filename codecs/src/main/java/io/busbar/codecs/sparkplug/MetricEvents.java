package io.busbar.codecs.sparkplug;

import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.busbar.codecs.sparkplug.EdgeNode.MetricDef;
import io.busbar.codecs.sparkplug.MetricValues.BadMetric;
import java.util.List;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Template;

/**
 * Turns one Sparkplug metric into events. A template instance (§6.4.19) is flattened into one event
 * per member, named {@code instance/member} like Sparkplug folders; a template definition carries
 * no data and yields none. A null metric ({@code is_null}, §6.4.18) is a BAD-quality event with the
 * text {@code null}, so the gap is visible rather than silently skipped.
 */
final class MetricEvents {

  private MetricEvents() {}

  static void add(
      List<Event> out,
      Metric m,
      String name,
      MetricDef def,
      Quality quality,
      long payloadTs,
      String sourceId,
      MessageContext ctx)
      throws BadMetric {
    int datatype =
        m.hasDatatype()
            ? m.getDatatype()
            : def != null ? def.datatype : MetricValues.inferDatatype(m);
    String unit = MetricValues.unit(m);
    if (unit == null && def != null) {
      unit = def.unit;
    }
    long ts = m.hasTimestamp() && m.getTimestamp() >= 0 ? m.getTimestamp() : payloadTs;
    if (datatype == DataType.Template_VALUE && !m.getIsNull()) {
      if (m.getValueCase() != Metric.ValueCase.TEMPLATE_VALUE) {
        throw new BadMetric("metric '" + name + "': Template without template_value");
      }
      Template t = m.getTemplateValue();
      if (t.getIsDefinition()) {
        return;
      }
      for (int i = 0; i < t.getMetricsCount(); i++) {
        Metric member = t.getMetrics(i);
        String memberName =
            member.hasName() && !member.getName().isEmpty() ? member.getName() : "[" + i + "]";
        add(out, member, name + "/" + memberName, null, quality, ts, sourceId, ctx);
      }
      return;
    }
    Value value;
    Quality q = MetricValues.quality(m, quality);
    if (m.getIsNull()) {
      value = SparkplugHostState.NULL_VALUE;
      q = Quality.BAD;
    } else {
      try {
        value = MetricValues.value(m, datatype);
      } catch (BadMetric e) {
        throw new BadMetric("metric '" + name + "': " + e.getMessage());
      }
      if (def != null && !m.getIsHistorical()) {
        def.last = value;
      }
    }
    out.add(new Event(ctx.tenant(), sourceId, name, ts, value, q, unit, ctx.topic()));
  }
}
