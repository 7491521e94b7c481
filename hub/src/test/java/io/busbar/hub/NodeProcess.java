package io.busbar.hub;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Busbar node in its own JVM, started from the built fat jar ({@code target/busbar.jar}), for
 * tests where a node must die ({@code kill -9}) or leave, as in production.
 */
final class NodeProcess implements AutoCloseable {

  static final Path JAR = Path.of("target", "busbar.jar");

  private final Process process;
  private final List<String> output = new ArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread reader;
  final String nodeId;
  final int mqttPort;
  final int httpPort;
  final Path dataDir;

  private NodeProcess(Process process, String nodeId, int mqttPort, int httpPort, Path dataDir) {
    this.process = process;
    this.nodeId = nodeId;
    this.mqttPort = mqttPort;
    this.httpPort = httpPort;
    this.dataDir = dataDir;
    reader = new Thread(this::pump, "node-" + nodeId + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code busbar run} with free ports and waits for its ready line. */
  static NodeProcess start(String nodeId, Path dataDir, String... extraArgs) throws Exception {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(
          JAR.toAbsolutePath() + " is missing: run the package phase first");
    }
    int mqtt = freePort();
    int http = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-jar");
    command.add(JAR.toString());
    command.add("run");
    command.addAll(
        List.of(
            "--node-id",
            nodeId,
            "--mqtt-port",
            "" + mqtt,
            "--http-port",
            "" + http,
            "--data-dir",
            dataDir.toString()));
    command.addAll(List.of(extraArgs));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    NodeProcess node = new NodeProcess(process, nodeId, mqtt, http, dataDir);
    if (!node.ready.await(90, TimeUnit.SECONDS)) {
      node.kill();
      throw new IllegalStateException(
          "node " + nodeId + " did not become ready:\n" + node.output());
    }
    return node;
  }

  private void pump() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (output) {
          output.add(line);
        }
        if (line.startsWith("busbar: ready")) {
          ready.countDown();
        }
      }
    } catch (IOException e) {
      // the process died; its output so far stays readable
    }
  }

  String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** {@code kill -9}: no shutdown hook runs, nothing is flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * SIGTERM, as Ctrl-C or an orchestrator sends: the node leaves gracefully. Returns the exit code
   * (143, 128 + SIGTERM, once the shutdown hook has run) after all its output has been read.
   */
  int terminate() throws InterruptedException {
    process.toHandle().destroy(); // Process.destroy() would also close the output we still read
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("node " + nodeId + " did not stop within 60 s:\n" + output());
    }
    reader.join(5_000);
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
