package io.busbar.perf.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.perf.bench.Measurement.Better;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MarkdownReportTest {

  /**
   * Verifies that a scenario gets one row per figure with both brokers and the first/second ratio.
   */
  @Test
  void ratioOfFirstToSecond() {
    String md =
        MarkdownReport.render(
            List.of("busbar", "mosquitto"),
            BenchSettings.defaults(),
            List.of(
                ScenarioResult.ok(
                    Scenario.QOS0_FANIN,
                    "busbar",
                    List.of(Measurement.count("delivered msg/s", 50_000, Better.HIGHER))),
                ScenarioResult.ok(
                    Scenario.QOS0_FANIN,
                    "mosquitto",
                    List.of(Measurement.count("delivered msg/s", 100_000, Better.HIGHER)))));
    assertThat(md)
        .contains("| figure | busbar | mosquitto | busbar/mosquitto |")
        .contains("| delivered msg/s ↑ | 50,000 | 100,000 | 0.50 |");
  }

  /** Verifies that a failed scenario is recorded with its reason and leaves the ratio empty. */
  @Test
  void failureIsRecorded() {
    String md =
        MarkdownReport.render(
            List.of("busbar", "mosquitto"),
            BenchSettings.defaults(),
            List.of(
                ScenarioResult.failed(Scenario.QOS1_FANIN, "busbar", "cannot connect: CONNACK 5"),
                ScenarioResult.ok(
                    Scenario.QOS1_FANIN,
                    "mosquitto",
                    List.of(Measurement.count("lost", 0, Better.LOWER)))));
    assertThat(md)
        .contains("**busbar FAILED** | cannot connect: CONNACK 5")
        .contains("| lost ↓ | — | 0 | — |");
  }

  /** Verifies that ratios far below 1 keep significant digits and a zero divisor gives no ratio. */
  @Test
  void smallRatiosAndZeroDivisor() {
    var a = java.util.Optional.of(Measurement.count("x", 323, Better.HIGHER));
    var b = java.util.Optional.of(Measurement.count("x", 100_000, Better.HIGHER));
    var zero = java.util.Optional.of(Measurement.count("x", 0, Better.HIGHER));
    assertThat(MarkdownReport.ratio(a, b)).isEqualTo("0.0032");
    assertThat(MarkdownReport.ratio(a, zero)).isEqualTo("—");
  }

  /** Verifies that an unknown scenario name is refused with the list of known ones. */
  @Test
  void unknownScenarioIsRefused() {
    assertThatThrownBy(() -> Scenario.of("fan-in"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("qos0-fanin");
  }
}
