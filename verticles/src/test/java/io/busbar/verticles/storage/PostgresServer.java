package io.busbar.verticles.storage;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.SqlClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for tests: {@code initdb} into a temp directory, started with
 * {@code pg_ctl} on 127.0.0.1 and a free port (socket directory inside the temp directory), stopped
 * and deleted by {@link #close()}.
 *
 * <p>The binaries are looked up in {@code $PG_BIN}, then on the {@code PATH}, then under {@code
 * /usr/lib/postgresql/<version>/bin} (the Debian package), highest version first.
 *
 * <p>PostgreSQL refuses to run as root. When the JVM runs as root (CI), the data directory is given
 * to the {@code postgres} user (which the Debian package creates; else {@code nobody}) and every
 * binary runs through {@code runuser -u <user> --}.
 */
final class PostgresServer implements AutoCloseable {

  static final String USER = "busbar";
  static final String DATABASE = "busbar";

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final String runAs;
  private final int port;

  private PostgresServer(Path bin, Path dir, String runAs, int port) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.runAs = runAs;
    this.port = port;
  }

  /** The directory holding {@code initdb}, {@code pg_ctl} and {@code postgres}, if installed. */
  static Optional<Path> binaries() {
    List<Path> candidates = new ArrayList<>();
    String env = System.getenv("PG_BIN");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!entry.isBlank()) {
        candidates.add(Path.of(entry));
      }
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        versions
            .sorted(Comparator.comparing(PostgresServer::version).reversed())
            .forEach(v -> candidates.add(v.resolve("bin")));
      } catch (IOException e) {
        // no Debian layout: PATH only
      }
    }
    return candidates.stream()
        .filter(
            d ->
                Files.isExecutable(d.resolve("initdb"))
                    && Files.isExecutable(d.resolve("pg_ctl"))
                    && Files.isExecutable(d.resolve("postgres")))
        .findFirst();
  }

  private static int version(Path dir) {
    try {
      return Integer.parseInt(dir.getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The message of a skipped test. */
  static final String MISSING =
      "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in $PG_BIN, PATH or"
          + " /usr/lib/postgresql/*/bin: install the Debian package postgresql to run this test";

  /**
   * Initialises and starts a server with a database {@link #DATABASE} owned by superuser {@link
   * #USER} (trust authentication on loopback only).
   *
   * @throws IllegalStateException if a step fails; its message holds the tool's output
   */
  static PostgresServer start(Path bin) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("busbar-pg-");
    String runAs = null;
    if ("root".equals(System.getProperty("user.name"))) {
      runAs = userExists("postgres") ? "postgres" : "nobody";
      exec(List.of("chown", runAs, dir.toString()), dir, 30);
      // the temp root must be traversable by that user (it is on Linux: /tmp is 1777)
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    PostgresServer server = new PostgresServer(bin, dir, runAs, port);
    try {
      server.tool(
          60,
          "initdb",
          "-D",
          server.data.toString(),
          "-U",
          USER,
          "-A",
          "trust",
          "-E",
          "UTF8",
          "--locale=C",
          "--no-sync");
      server.tool(
          60,
          "pg_ctl",
          "-D",
          server.data.toString(),
          "-l",
          dir.resolve("server.log").toString(),
          "-w",
          "-t",
          "50",
          "-o",
          // fsync off: a test server need not survive a power cut
          "-p " + port + " -k " + dir + " -h 127.0.0.1 -c fsync=off -c max_connections=50",
          "start");
      return server;
    } catch (IOException | RuntimeException | InterruptedException e) {
      server.deleteDir();
      throw e;
    }
  }

  /** Creates a database owned by {@link #USER}, through the maintenance database. */
  void createDatabase(Vertx vertx, String name) throws Exception {
    SqlClient client = PgBuilder.client().connectingTo(url("postgres")).using(vertx).build();
    try {
      // name is a test constant, not input
      client.query("CREATE DATABASE " + name).execute().await(30, TimeUnit.SECONDS);
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Restarts the server with the same settings (fast: open sessions are ended). */
  void restart() throws IOException, InterruptedException {
    tool(60, "pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "50", "restart");
  }

  /** {@code postgresql://busbar@127.0.0.1:port/database}. */
  String url(String database) {
    return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + database;
  }

  String url() {
    return url(DATABASE);
  }

  int port() {
    return port;
  }

  /** Stops the server (fast: open sessions are ended) and deletes its directory. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      tool(60, "pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "stop");
    } finally {
      deleteDir();
    }
  }

  private void tool(int timeoutSeconds, String name, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (runAs != null) {
      command.addAll(List.of("runuser", "-u", runAs, "--"));
    }
    command.add(bin.resolve(name).toString());
    command.addAll(List.of(args));
    exec(command, dir, timeoutSeconds);
  }

  private static void exec(List<String> command, Path dir, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("busbar-pg-tool-", ".log");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " timed out:\n" + Files.readString(output));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            command + " exited " + process.exitValue() + ":\n" + Files.readString(output));
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static boolean userExists(String user) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("id", "-u", user).redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
  }

  private void deleteDir() throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
