package io.busbar.perf.bench;

import java.util.List;
import java.util.Optional;

/**
 * The figures of one scenario against one broker, or why it failed.
 *
 * @param failure empty when the scenario ran; otherwise what went wrong (figures may be partial)
 */
public record ScenarioResult(
    Scenario scenario, String target, List<Measurement> measurements, Optional<String> failure) {

  public static ScenarioResult ok(
      Scenario scenario, String target, List<Measurement> measurements) {
    return new ScenarioResult(scenario, target, List.copyOf(measurements), Optional.empty());
  }

  public static ScenarioResult failed(Scenario scenario, String target, String why) {
    return new ScenarioResult(scenario, target, List.of(), Optional.of(why));
  }

  public Optional<Measurement> find(String name) {
    return measurements.stream().filter(m -> m.name().equals(name)).findFirst();
  }
}
