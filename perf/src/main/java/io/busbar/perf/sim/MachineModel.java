package io.busbar.perf.sim;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * A plausible machine: it runs, idles and now and then faults; power follows the state, the
 * temperature follows the power with lag, vibration grows slowly with wear, and the part counter
 * only counts up while running. Not thread-safe: one model per machine, advanced by one thread.
 */
public final class MachineModel {

  /** What a machine is doing. */
  public enum State {
    RUNNING,
    IDLE,
    FAULT
  }

  private static final double AMBIENT_C = 22.0;
  private static final double RUNNING_KW = 15.0;
  private static final double IDLE_KW = 2.0;

  private final RandomGenerator random;
  private final double ratedKw;
  private State state = State.RUNNING;
  private double temperature = AMBIENT_C + 20;
  private double wear;
  private long parts;

  public MachineModel(RandomGenerator random) {
    this.random = random;
    this.ratedKw = RUNNING_KW * (0.8 + 0.4 * random.nextDouble());
  }

  /**
   * Advances the machine by one tick and returns its telemetry as Busbar JSON (docs/payloads.md).
   */
  public String tick(long nowMillis) {
    state = nextState();
    double powerKw =
        switch (state) {
          case RUNNING -> ratedKw * (0.9 + 0.2 * random.nextDouble());
          case IDLE -> IDLE_KW * (0.8 + 0.4 * random.nextDouble());
          case FAULT -> 0.3;
        };
    double target = AMBIENT_C + powerKw * 3.5;
    temperature += (target - temperature) * 0.1 + random.nextGaussian() * 0.2;
    wear = Math.min(1.0, wear + 0.0005);
    double vibration =
        (state == State.RUNNING ? 2.0 + 6.0 * wear : 0.2) + random.nextGaussian() * 0.1;
    if (state == State.RUNNING) {
      parts += 1 + random.nextInt(2);
    }
    return String.format(
        Locale.ROOT,
        "{\"ts\":%d,\"metrics\":{\"temperature\":{\"value\":%.2f,\"unit\":\"°C\"},"
            + "\"power_kw\":{\"value\":%.3f,\"unit\":\"kW\"},"
            + "\"vibration\":{\"value\":%.3f,\"unit\":\"mm/s\"},"
            + "\"parts\":%d,\"state\":\"%s\"}}",
        nowMillis,
        temperature,
        powerKw,
        Math.max(0, vibration),
        parts,
        state);
  }

  public State state() {
    return state;
  }

  public long parts() {
    return parts;
  }

  private State nextState() {
    double r = random.nextDouble();
    return switch (state) {
      case RUNNING -> r < 0.01 ? State.FAULT : r < 0.04 ? State.IDLE : State.RUNNING;
      case IDLE -> r < 0.2 ? State.RUNNING : State.IDLE;
      case FAULT -> r < 0.1 ? State.IDLE : State.FAULT;
    };
  }
}
