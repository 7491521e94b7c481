package io.busbar.perf.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Renders results as Markdown: one table per scenario with a column per broker and, for two or more
 * brokers, the ratio first/second for each figure (read it with the ↑/↓ of the figure: for ↑ a
 * ratio above 1 means the first broker is better, for ↓ below 1).
 */
public final class MarkdownReport {

  private MarkdownReport() {}

  /** The tables for {@code results}, in scenario order, brokers in {@code brokers} order. */
  public static String render(
      List<String> brokers, BenchSettings settings, List<ScenarioResult> results) {
    StringBuilder out = new StringBuilder();
    Map<Scenario, Map<String, ScenarioResult>> byScenario = new LinkedHashMap<>();
    for (ScenarioResult r : results) {
      byScenario.computeIfAbsent(r.scenario(), k -> new LinkedHashMap<>()).put(r.target(), r);
    }
    boolean ratio = brokers.size() >= 2;
    String ratioHeader = ratio ? brokers.get(0) + "/" + brokers.get(1) : "";
    for (var entry : byScenario.entrySet()) {
      Scenario scenario = entry.getKey();
      Map<String, ScenarioResult> row = entry.getValue();
      out.append("#### ")
          .append(scenario.title())
          .append(" (`")
          .append(scenario.id())
          .append("`)\n\n");
      out.append(settings.describe(scenario)).append(".\n\n");
      out.append("| figure |");
      brokers.forEach(b -> out.append(' ').append(b).append(" |"));
      if (ratio) {
        out.append(' ').append(ratioHeader).append(" |");
      }
      out.append("\n|---|");
      brokers.forEach(b -> out.append("---:|"));
      if (ratio) {
        out.append("---:|");
      }
      out.append('\n');
      for (ScenarioResult r : row.values()) {
        r.failure()
            .ifPresent(
                why ->
                    out.append("| **")
                        .append(r.target())
                        .append(" FAILED** | ")
                        .append(why.replace('|', '/'))
                        .append(" |")
                        .append(" |".repeat(brokers.size() - 1 + (ratio ? 1 : 0)))
                        .append('\n'));
      }
      for (String figure : figureNames(brokers, row)) {
        List<Optional<Measurement>> cells = new ArrayList<>();
        for (String b : brokers) {
          ScenarioResult r = row.get(b);
          cells.add(r == null ? Optional.empty() : r.find(figure));
        }
        Measurement.Better better =
            cells.stream()
                .flatMap(Optional::stream)
                .findFirst()
                .map(Measurement::better)
                .orElse(Measurement.Better.NEITHER);
        out.append("| ")
            .append(figure)
            .append(better.arrow.isEmpty() ? "" : " " + better.arrow)
            .append(" |");
        for (Optional<Measurement> c : cells) {
          out.append(' ').append(c.map(Measurement::formatted).orElse("—")).append(" |");
        }
        if (ratio) {
          out.append(' ').append(ratio(cells.get(0), cells.get(1))).append(" |");
        }
        out.append('\n');
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static List<String> figureNames(List<String> brokers, Map<String, ScenarioResult> row) {
    List<String> names = new ArrayList<>();
    for (String b : brokers) {
      ScenarioResult r = row.get(b);
      if (r != null) {
        r.measurements()
            .forEach(
                m -> {
                  if (!names.contains(m.name())) {
                    names.add(m.name());
                  }
                });
      }
    }
    return names;
  }

  static String ratio(Optional<Measurement> a, Optional<Measurement> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return "—";
    }
    double x = a.get().value();
    double y = b.get().value();
    if (Double.isNaN(x) || Double.isNaN(y) || y == 0) {
      return "—";
    }
    double r = x / y;
    // two decimals, but keep two significant digits for ratios far below 1 (0.0032, not 0.00)
    return Math.abs(r) >= 0.1 || r == 0
        ? String.format(Locale.ROOT, "%.2f", r)
        : String.format(Locale.ROOT, "%.2g", r);
  }
}
