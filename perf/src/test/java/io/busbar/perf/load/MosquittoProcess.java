package io.busbar.perf.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A throw-away Mosquitto on a free loopback port, for tests; absent when not installed. */
final class MosquittoProcess implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/sbin/mosquitto");

  private final Process process;
  private final Path dir;
  final int port;

  private MosquittoProcess(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  static MosquittoProcess start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path dir = Files.createTempDirectory("mosquitto-test");
    Path conf = dir.resolve("mosquitto.conf");
    Files.writeString(
        conf,
        "listener "
            + port
            + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
            + "max_queued_messages 100000\nlog_dest none\n");
    Process process =
        new ProcessBuilder(BINARY.toString(), "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("mosquitto.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return new MosquittoProcess(process, dir, port);
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          break;
        }
        Thread.sleep(50);
      }
    }
    process.destroyForcibly();
    throw new IOException("mosquitto did not listen on " + port + ", see " + dir);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
