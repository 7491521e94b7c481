package io.busbar.codecs.sparkplug;

import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.PayloadDecoder;
import io.busbar.codecs.routing.DecoderTable;
import java.util.Optional;

/**
 * The decoder table's route for Sparkplug B topics: every {@code spBv1.0/...} topic goes to the
 * Sparkplug decoder, with the Busbar id of the sender ({@code {group}:{edge}[:{device}]}) as
 * device. A malformed Sparkplug topic is matched too, so it becomes a dead letter naming the
 * problem, not silent plain traffic. STATE and commands (NCMD, DCMD) are not decoded: they are
 * plain traffic.
 */
public final class SparkplugRoute implements DecoderTable.Route {

  private final PayloadDecoder decoder;

  public SparkplugRoute(SparkplugDecoder decoder) {
    this.decoder = decoder;
  }

  @Override
  public Optional<DecoderTable.Match> resolve(String topic, String[] levels) {
    if (!SparkplugTopic.NAMESPACE.equals(levels[0])) {
      return Optional.empty();
    }
    Optional<SparkplugTopic> parsed = SparkplugTopic.parse(topic);
    if (parsed.isEmpty()) {
      String problem = SparkplugTopic.problem(topic);
      return Optional.of(
          new DecoderTable.Match(topic, (ctx, payload) -> DecodeResult.rejected(problem)));
    }
    return switch (parsed.get().type()) {
      case STATE, NCMD, DCMD -> Optional.empty();
      default -> Optional.of(new DecoderTable.Match(parsed.get().busbarId(), decoder));
    };
  }
}
