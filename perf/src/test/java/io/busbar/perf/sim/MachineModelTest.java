package io.busbar.perf.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MachineModelTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Verifies that every tick is valid Busbar JSON with the five machine metrics and units. */
  @Test
  void tickProducesTheDocumentedTelemetry() throws Exception {
    MachineModel model = new MachineModel(new SplittableRandom(1));
    JsonNode doc = JSON.readTree(model.tick(1_732_440_000_000L));
    assertThat(doc.get("ts").asLong()).isEqualTo(1_732_440_000_000L);
    JsonNode metrics = doc.get("metrics");
    assertThat(metrics.get("temperature").get("unit").asText()).isEqualTo("°C");
    assertThat(metrics.get("power_kw").get("value").asDouble()).isGreaterThanOrEqualTo(0);
    assertThat(metrics.get("vibration").get("unit").asText()).isEqualTo("mm/s");
    assertThat(metrics.get("parts").isNumber()).isTrue();
    assertThat(metrics.get("state").asText()).isIn("RUNNING", "IDLE", "FAULT");
  }

  /** Verifies that the part counter never goes down and only counts while running. */
  @Test
  void partCounterIsMonotonicAndCountsOnlyWhenRunning() {
    MachineModel model = new MachineModel(new SplittableRandom(7));
    long previous = 0;
    for (int i = 0; i < 5_000; i++) {
      model.tick(i);
      if (model.state() != MachineModel.State.RUNNING) {
        assertThat(model.parts()).isEqualTo(previous);
      }
      assertThat(model.parts()).isGreaterThanOrEqualTo(previous);
      previous = model.parts();
    }
    assertThat(previous).isPositive();
  }

  /** Verifies that a plant layout names its machines site-line-machine and refuses empty plants. */
  @Test
  void layoutNamesMachines() {
    assertThat(new PlantLayout(1, 2, 3).machineIds())
        .hasSize(6)
        .startsWith("s1-l1-m1")
        .endsWith("s1-l2-m3");
    assertThatThrownBy(() -> new PlantLayout(1, 0, 3)).isInstanceOf(IllegalArgumentException.class);
  }
}
