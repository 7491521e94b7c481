package io.busbar.verticles.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class LiveStateTest {

  private final LiveState state = new LiveState();

  private static Event reading(String tenant, String device, String metric, long ts, Value value) {
    return new Event(tenant, device, metric, ts, value, Quality.GOOD, "bar", "devices/" + device);
  }

  /** Verifies that a newer reading replaces the latest value of its metric. */
  @Test
  void newerReadingWins() {
    assertThat(state.apply(reading("acme", "press-1", "pressure", 1_000, Value.of(1.0)))).isTrue();
    assertThat(state.apply(reading("acme", "press-1", "pressure", 2_000, Value.of(2.0)))).isTrue();

    LiveState.Reading latest = state.latest("press-1").get("pressure");
    assertThat(latest.value()).isEqualTo(Value.of(2.0));
    assertThat(latest.timestamp()).isEqualTo(2_000);
    assertThat(latest.unit()).isEqualTo("bar");
    assertThat(latest.quality()).isEqualTo(Quality.GOOD);
  }

  /** Verifies that a late, older reading does not overwrite a newer one. */
  @Test
  void olderReadingIsIgnored() {
    state.apply(reading("acme", "press-1", "pressure", 2_000, Value.of(2.0)));

    assertThat(state.apply(reading("acme", "press-1", "pressure", 1_000, Value.of(1.0)))).isFalse();

    assertThat(state.latest("press-1").get("pressure").value()).isEqualTo(Value.of(2.0));
  }

  /** Verifies that, with equal timestamps, the later arrival wins. */
  @Test
  void equalTimestampLaterArrivalWins() {
    state.apply(reading("acme", "valve-1", "open", 1_000, Value.of(false)));

    assertThat(state.apply(reading("acme", "valve-1", "open", 1_000, Value.of(true)))).isTrue();

    assertThat(state.latest("valve-1").get("open").value()).isEqualTo(Value.of(true));
  }

  /** Verifies that metrics are kept independently per device and metric. */
  @Test
  void keepsEveryMetricOfEveryDevice() {
    int applied =
        state.applyAll(
            List.of(
                reading("acme", "press-1", "pressure", 1_000, Value.of(1.0)),
                reading("acme", "press-1", "state", 500, Value.of("RUNNING")),
                reading("acme", "press-2", "pressure", 700, Value.of(3.0))));

    assertThat(applied).isEqualTo(3);
    assertThat(state.latest("press-1")).containsOnlyKeys("pressure", "state");
    assertThat(state.latest("press-2").get("pressure").value()).isEqualTo(Value.of(3.0));
    assertThat(state.latest("unknown")).isEmpty();
  }

  /**
   * Verifies that the registry keeps tenant, first and last event time and metric names by device.
   */
  @Test
  void registersDevicesSortedById() {
    state.apply(reading("acme", "mixer-9", "rpm", 5_000, Value.of(100.0)));
    state.apply(reading("acme", "mixer-9", "temperature", 3_000, Value.of(40.0)));
    state.apply(reading("acme", "mixer-9", "rpm", 7_000, Value.of(120.0)));
    state.apply(reading("globex", "boiler-1", "temperature", 1_000, Value.of(90.0)));

    assertThat(state.deviceCount()).isEqualTo(2);
    assertThat(state.devices())
        .containsExactly(
            new LiveState.DeviceInfo("boiler-1", "globex", 1_000, 1_000, List.of("temperature")),
            new LiveState.DeviceInfo(
                "mixer-9", "acme", 3_000, 7_000, List.of("rpm", "temperature")));
    assertThat(state.device("nobody")).isNull();
  }
}
