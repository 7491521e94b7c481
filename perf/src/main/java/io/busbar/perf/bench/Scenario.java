package io.busbar.perf.bench;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The benchmark scenarios, by the name used on the command line. */
public enum Scenario {
  QOS0_FANIN("qos0-fanin", "QoS 0 fan-in"),
  QOS1_FANIN("qos1-fanin", "QoS 1 fan-in with loss check"),
  LATENCY("latency", "End-to-end latency at a fixed rate (QoS 1)"),
  FANOUT("fanout", "Fan-out (QoS 0)"),
  CONNECT_STORM("connect-storm", "Connection storm");

  private final String id;
  private final String title;

  Scenario(String id, String title) {
    this.id = id;
    this.title = title;
  }

  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  /**
   * The scenario named {@code id}.
   *
   * @throws IllegalArgumentException naming the known scenarios when {@code id} is none of them
   */
  public static Scenario of(String id) {
    for (Scenario s : values()) {
      if (s.id.equals(id.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown scenario '"
            + id
            + "', known: "
            + Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", ")));
  }
}
