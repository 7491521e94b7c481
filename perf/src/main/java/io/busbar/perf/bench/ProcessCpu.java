package io.busbar.perf.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * CPU time (user + system) used so far by a process, read from {@code /proc/PID/stat} on Linux, so
 * a scenario can report throughput per CPU-second of the broker and the generator's own cost.
 */
public final class ProcessCpu {

  /** USER_HZ; 100 on every Linux architecture the JDK runs on. */
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcessCpu() {}

  /** CPU seconds of process {@code pid}, empty when it is unknown (no such process, not Linux). */
  public static OptionalDouble seconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name (field 2) is in parentheses and may hold spaces: split after the last ')'
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      // fields now start at field 3 (state); utime is field 14, stime field 15
      long utime = Long.parseLong(fields[11]);
      long stime = Long.parseLong(fields[12]);
      return OptionalDouble.of((utime + stime) / TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return OptionalDouble.empty();
    }
  }

  /** CPU seconds of this JVM (generator, GC and JIT included). */
  public static double self() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    return seconds(ProcessHandle.current().pid()).orElse(Double.NaN);
  }
}
