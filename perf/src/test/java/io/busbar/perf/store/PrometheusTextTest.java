package io.busbar.perf.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PrometheusTextTest {

  private static final String EXPOSITION =
      """
      # HELP busbar_storage_events_written_total Events written
      # TYPE busbar_storage_events_written_total counter
      busbar_storage_events_written_total{node="a b",tenant="x"} 1200.0
      busbar_storage_events_written_total{node="a b",tenant="y"} 3.0E2
      busbar_storage_events_written_totally 99
      busbar_storage_queue_depth 7
      """;

  /** Verifies that samples of one metric are summed over label sets, quoted spaces included. */
  @Test
  void sumsOverLabelSets() {
    assertThat(PrometheusText.sum(EXPOSITION, "busbar_storage_events_written_total"))
        .isEqualTo(1500.0);
    assertThat(PrometheusText.sum(EXPOSITION, "busbar_storage_queue_depth")).isEqualTo(7.0);
  }

  /** Verifies that a missing metric reads as NaN, not 0. */
  @Test
  void missingIsNaN() {
    assertThat(PrometheusText.sum(EXPOSITION, "busbar_nothing")).isNaN();
    assertThat(PrometheusText.sum("", "x")).isNaN();
  }
}
