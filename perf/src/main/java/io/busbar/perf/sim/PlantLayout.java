package io.busbar.perf.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a simulated plant: sites × lines × machines. Machine ids read as {@code s1-l2-m3}
 * (site 1, line 2, machine 3) and are the devices' MQTT client ids and token subjects.
 */
public record PlantLayout(int sites, int lines, int machinesPerLine) {

  public PlantLayout {
    if (sites < 1 || lines < 1 || machinesPerLine < 1) {
      throw new IllegalArgumentException(
          "a plant needs at least 1 site, 1 line and 1 machine per line, got "
              + sites
              + "×"
              + lines
              + "×"
              + machinesPerLine);
    }
  }

  public List<String> machineIds() {
    List<String> ids = new ArrayList<>(sites * lines * machinesPerLine);
    for (int s = 1; s <= sites; s++) {
      for (int l = 1; l <= lines; l++) {
        for (int m = 1; m <= machinesPerLine; m++) {
          ids.add("s" + s + "-l" + l + "-m" + m);
        }
      }
    }
    return ids;
  }
}
