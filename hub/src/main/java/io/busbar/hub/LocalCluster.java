package io.busbar.hub;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code busbar cluster start N}: N clustered nodes on this host, each in its own JVM with its own
 * ports and data directory and one shared development signing key, their output prefixed with the
 * node's name. Ctrl-C stops them all gracefully.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Run a local cluster.",
    subcommands = LocalCluster.Start.class)
final class LocalCluster implements Runnable {

  /** What Hazelcast asks for on Java 9+; the jar's manifest grants it to {@code java -jar}. */
  private static final List<String> HAZELCAST_OPENS =
      List.of(
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.management/sun.management=ALL-UNNAMED",
          "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
          "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED");

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = "Start N clustered nodes on this host.")
  static final class Start implements Callable<Integer> {

    @Parameters(paramLabel = "N", description = "number of nodes (1-9)")
    int nodes;

    @Option(
        names = "--data-dir",
        defaultValue = "./data/cluster",
        description =
            "base directory: node-1, node-2… and the shared key (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(
        names = "--mqtt-port",
        defaultValue = "1883",
        description = "MQTT port of node-1; node-i gets port + i - 1 (default: ${DEFAULT-VALUE})")
    int mqttPort;

    @Option(
        names = "--http-port",
        defaultValue = "8080",
        description = "HTTP port of node-1; node-i gets port + i - 1 (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--demo", description = "node-1 also runs the simulated factory")
    boolean demo;

    @Override
    public Integer call() throws Exception {
      if (nodes < 1 || nodes > 9) {
        throw new IllegalArgumentException("N: expected 1 to 9 nodes, got " + nodes);
      }
      List<Process> processes = new ArrayList<>();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    processes.forEach(p -> p.toHandle().destroy());
                    for (Process p : processes) {
                      try {
                        p.waitFor(60, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }
                  },
                  "busbar-cluster-stop"));
      for (int i = 1; i <= nodes; i++) {
        Process process = startNode(i);
        processes.add(process);
        pipe(process, "node-" + i);
      }
      for (Process p : processes) {
        p.waitFor();
      }
      return 0;
    }

    private Process startNode(int i) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      // the nodes run with this JVM's heap and collector flags (conf/jvm.options and JAVA_OPTS
      // through ./busbar); agents and debug ports are not passed on
      ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
          .filter(arg -> arg.startsWith("-X"))
          .forEach(command::add);
      command.addAll(HAZELCAST_OPENS);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
      command.add(demo && i == 1 ? "demo" : "run");
      command.addAll(
          List.of(
              "--cluster",
              "--node-id",
              "node-" + i,
              "--mqtt-port",
              String.valueOf(mqttPort + i - 1),
              "--http-port",
              String.valueOf(httpPort + i - 1),
              "--data-dir",
              dataDir.resolve("node-" + i).toString()));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("BUSBAR_SECURITY_DEV_KEY_DIR", dataDir.toString());
      return builder.start();
    }

    private static void pipe(Process process, String name) {
      Thread thread =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    System.out.println("[" + name + "] " + line);
                  }
                } catch (IOException e) {
                  System.out.println("[" + name + "] output closed: " + e.getMessage());
                }
              },
              name + "-output");
      thread.setDaemon(true);
      thread.start();
    }
  }
}
