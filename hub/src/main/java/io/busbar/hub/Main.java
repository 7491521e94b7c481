package io.busbar.hub;

import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigException;
import io.busbar.perf.sim.FactorySimulator;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.Durations;
import io.busbar.security.jwt.JwsAlgorithm;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.security.jwt.TokenSigner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code busbar} command line. */
@Command(
    name = "busbar",
    mixinStandardHelpOptions = true,
    version = "busbar 0.1.0",
    description = "Clustered, reactive broker hub for industrial IoT.",
    subcommands = {
      Main.Demo.class,
      Main.Run.class,
      Main.Token.class,
      LocalCluster.class,
      ToolCommands.Simulate.class,
      ToolCommands.Export.class,
      io.busbar.perf.Bench.class
    })
public final class Main implements Runnable {

  /** Exit code of a start-up refused for bad configuration, as picocli uses for bad flags. */
  static final int EXIT_CONFIG = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          PrintWriter err = cmd.getErr();
          if (e instanceof ConfigException) {
            err.println("busbar: bad configuration: " + e.getMessage());
            return EXIT_CONFIG;
          }
          if (e instanceof IllegalArgumentException) {
            err.println("busbar: " + e.getMessage());
            return EXIT_CONFIG;
          }
          err.println("busbar: " + e);
          return 1;
        });
    return cli;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Starts a node and blocks until Ctrl-C / SIGTERM, then shuts it down cleanly. */
  static int runUntilStopped(BusbarConfig config, boolean demo) throws Exception {
    AtomicReference<Node> started = new AtomicReference<>();
    AtomicReference<FactorySimulator> simulator = new AtomicReference<>();
    Node node = await(Node.start(config), "start the node");
    started.set(node);
    if (demo) {
      FactorySimulator.Settings settings =
          new FactorySimulator.Settings(
              "127.0.0.1", node.mqttPort(), config.demo().layout(), config.demo().interval());
      simulator.set(
          await(
              FactorySimulator.start(
                  node.vertx(),
                  settings,
                  id ->
                      node.issuer()
                          .mint(new TokenRequest(id, "default", Set.of(), Duration.ofDays(1)))),
              "start the simulated factory"));
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println(
                      "busbar: shutting down (stop accepting, drain, close the database)…");
                  Future<Void> stop =
                      simulator.get() == null ? Future.succeededFuture() : simulator.get().stop();
                  try {
                    stop.eventually(() -> node.close())
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                    System.out.println("busbar: stopped cleanly");
                  } catch (Exception e) {
                    System.err.println("busbar: unclean shutdown: " + e);
                  }
                  stopped.countDown();
                },
                "busbar-shutdown"));
    printReady(node, simulator.get());
    stopped.await();
    return 0;
  }

  private static void printReady(Node node, FactorySimulator simulator) {
    String http = "http://127.0.0.1:" + node.httpPort();
    System.out.println();
    System.out.println("  Dashboard   " + http + "/");
    System.out.println("  REST        " + http + "/api/v1/state   " + http + "/api/v1/devices");
    System.out.println("  Live stream ws://127.0.0.1:" + node.httpPort() + "/ws");
    System.out.println("  Metrics     " + http + "/metrics     Health " + http + "/health");
    System.out.println(
        "  MQTT        mqtt://127.0.0.1:"
            + node.mqttPort()
            + "  (token: ./busbar token --device ID)");
    System.out.println("  Data        " + node.config().dataDir().toAbsolutePath().normalize());
    if (simulator != null) {
      System.out.println(
          "  Simulator   "
              + simulator.machineCount()
              + " machines publishing every "
              + node.config().demo().interval().toMillis()
              + " ms");
    }
    System.out.println();
    System.out.println("busbar: ready — node " + node.config().nodeId() + " (Ctrl-C to stop)");
  }

  static <T> T await(Future<T> future, String what) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      description = "One node with embedded storage and a simulated factory.")
  static final class Demo implements java.util.concurrent.Callable<Integer> {
    @Mixin NodeOptions options;

    @Override
    public Integer call() throws Exception {
      return runUntilStopped(options.resolve(System.getenv()), true);
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true, description = "A node for real use.")
  static final class Run implements java.util.concurrent.Callable<Integer> {
    @Mixin NodeOptions options;

    @Override
    public Integer call() throws Exception {
      return runUntilStopped(options.resolve(System.getenv()), false);
    }
  }

  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      description = {
        "Print a JWT signed with the node's development key (ES256), or with --key.",
        "With --count N: N tokens, one per line, each with its own jti (benchmarks)."
      })
  static final class Token implements java.util.concurrent.Callable<Integer> {
    /** Most tokens one call prints. */
    static final int MAX_COUNT = 1_000_000;

    @Mixin NodeOptions options;

    @Option(
        names = "--device",
        required = true,
        paramLabel = "ID",
        description = "device id (the token's sub)")
    String device;

    @Option(
        names = "--tenant",
        defaultValue = "default",
        description = "tenant (default: ${DEFAULT-VALUE})")
    String tenant;

    @Option(
        names = "--ttl",
        defaultValue = "24h",
        description = "lifetime, e.g. 30m, 1h, 7d (default: ${DEFAULT-VALUE})")
    String ttl;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        description = "a role claim, repeatable; 'app' may subscribe to all topics of its tenant")
    List<String> roles = List.of();

    @Option(
        names = "--count",
        defaultValue = "1",
        paramLabel = "N",
        description = "tokens to print, one per line (default: ${DEFAULT-VALUE})")
    int count;

    @Option(
        names = "--key",
        paramLabel = "PEM",
        description =
            "sign with this PKCS#8 private key (openssl genpkey) instead of the development key;"
                + " needs --issuer, the iss of an issuers entry holding the public key")
    Path key;

    @Option(
        names = "--alg",
        defaultValue = "ES256",
        description =
            "algorithm with --key: RS256, PS256, ES256, EdDSA (default: ${DEFAULT-VALUE})")
    String alg;

    @Option(names = "--issuer", paramLabel = "ISS", description = "the iss claim with --key")
    String issuer;

    @Option(names = "--kid", description = "a kid header with --key (default: none)")
    String kid;

    @Override
    public Integer call() throws Exception {
      Duration lifetime = Durations.parse(ttl);
      if (count < 1 || count > MAX_COUNT) {
        throw new IllegalArgumentException("--count must be 1.." + MAX_COUNT + ", was " + count);
      }
      TokenRequest request = new TokenRequest(device, tenant, Set.copyOf(roles), lifetime);
      if (key != null) {
        if (issuer == null || issuer.isBlank()) {
          throw new IllegalArgumentException("--key needs --issuer");
        }
        JwsAlgorithm algorithm =
            JwsAlgorithm.byName(alg)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "--alg " + alg + " is not one of RS256, PS256, ES256, EdDSA"));
        TokenSigner signer = TokenSigner.fromPem(issuer, algorithm, Files.readString(key), kid);
        print(() -> signer.mint(request));
        return 0;
      }
      if (issuer != null || kid != null || !DevelopmentIssuer.ALGORITHM.equals(alg)) {
        throw new IllegalArgumentException("--issuer, --kid and --alg go with --key");
      }
      Path keyDir = options.resolve(System.getenv()).devKeyDir();
      Vertx vertx = Vertx.vertx();
      try {
        DevelopmentIssuer dev = DevelopmentIssuer.loadOrCreate(vertx, keyDir);
        print(() -> dev.mint(request));
        return 0;
      } finally {
        vertx.close();
      }
    }

    private void print(java.util.function.Supplier<String> mint) {
      // one buffered stream: a million tokens are written in seconds, not a flush per line
      PrintWriter out =
          new PrintWriter(
              new java.io.BufferedWriter(
                  new java.io.OutputStreamWriter(System.out, StandardCharsets.US_ASCII), 1 << 16));
      for (int i = 0; i < count; i++) {
        out.println(mint.get());
      }
      out.flush();
    }
  }
}
