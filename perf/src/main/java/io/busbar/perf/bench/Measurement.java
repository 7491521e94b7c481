package io.busbar.perf.bench;

/**
 * One measured figure of a scenario against one broker.
 *
 * @param name what was measured, with its unit ("delivered msg/s")
 * @param value the measured value, unrounded
 * @param better which direction is better, for reading the ratio
 * @param decimals decimals to print
 */
public record Measurement(String name, double value, Better better, int decimals) {

  /** Which way a figure is better. */
  public enum Better {
    HIGHER("↑"),
    LOWER("↓"),
    NEITHER("");

    final String arrow;

    Better(String arrow) {
      this.arrow = arrow;
    }
  }

  public static Measurement count(String name, double value, Better better) {
    return new Measurement(name, value, better, 0);
  }

  public String formatted() {
    return String.format(java.util.Locale.ROOT, "%,." + decimals + "f", value);
  }
}
