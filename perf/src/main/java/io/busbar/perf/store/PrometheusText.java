package io.busbar.perf.store;

/**
 * Reads sample values out of a Prometheus text exposition (format 0.0.4), as a node's {@code
 * /metrics} serves it, without a client library.
 */
public final class PrometheusText {

  private PrometheusText() {}

  /**
   * The sum of every sample of metric {@code name} over all its label sets, or {@code NaN} if the
   * exposition has none.
   */
  public static double sum(String exposition, String name) {
    double total = 0;
    boolean found = false;
    for (String line : exposition.split("\n")) {
      if (line.isEmpty() || line.charAt(0) == '#' || !line.startsWith(name)) {
        continue;
      }
      int rest = name.length();
      if (rest < line.length() && line.charAt(rest) != '{' && line.charAt(rest) != ' ') {
        continue; // a longer name sharing the prefix
      }
      // the value follows the label set (which may hold spaces in quoted values)
      int afterLabels = line.charAt(rest) == '{' ? line.lastIndexOf('}') + 1 : rest;
      String[] fields = line.substring(afterLabels).trim().split("\\s+");
      try {
        total += Double.parseDouble(fields[0]);
        found = true;
      } catch (NumberFormatException e) {
        // not a sample line of ours
      }
    }
    return found ? total : Double.NaN;
  }
}
