package io.busbar.perf;

import io.busbar.perf.bench.BenchSettings;
import io.busbar.perf.bench.MarkdownReport;
import io.busbar.perf.bench.Scenario;
import io.busbar.perf.bench.ScenarioResult;
import io.busbar.perf.bench.ScenarioRunner;
import io.busbar.perf.load.LoadGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark command: runs each scenario against every target, one broker after the other, and
 * prints (and optionally appends to a file) a Markdown table per scenario with the ratio of the
 * first target to the second.
 *
 * <pre>
 * java -cp hub/target/busbar.jar io.busbar.perf.Bench \
 *   --target busbar=127.0.0.1:1884 --target mosquitto=127.0.0.1:1885 \
 *   --username bench --password-file token.txt --scenario qos0-fanin,latency --duration 10
 * </pre>
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Runs MQTT benchmark scenarios against one or more brokers, side by side.")
public final class Bench implements Callable<Integer> {

  @Option(
      names = "--target",
      required = true,
      paramLabel = "[NAME=]HOST:PORT",
      description = "a broker to measure, repeatable; ratios are first/second")
  List<String> targets;

  @Option(
      names = "--pid",
      paramLabel = "NAME=PID",
      description = "the broker process of target NAME, for its CPU time (Linux /proc)")
  Map<String, Long> pids = new LinkedHashMap<>();

  @Option(
      names = "--username",
      defaultValue = "bench",
      description = "MQTT user name (Busbar: the token's subject; default: ${DEFAULT-VALUE})")
  String username;

  @Option(
      names = "--password",
      description =
          "MQTT password (Busbar: a JWT); else --password-file, else $BUSBAR_BENCH_PASSWORD")
  String password;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "file whose first line is the password")
  Path passwordFile;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "one password (token) per line, used round-robin by the connection storm's CONNECTs across"
              + " its unrecorded and measured passes: 2 × --connections distinct tokens send none"
              + " twice, one token makes every CONNECT after the first a cache hit")
  Path tokenFile;

  @Option(
      names = "--scenario",
      split = ",",
      paramLabel = "NAME",
      description = "qos0-fanin, qos1-fanin, latency, fanout, connect-storm (default: all)")
  List<String> scenarios = new ArrayList<>();

  @Option(
      names = "--duration",
      defaultValue = "10",
      paramLabel = "SECONDS",
      description = "publishing time per scenario (default: ${DEFAULT-VALUE})")
  int durationSeconds;

  @Option(
      names = "--warmup",
      defaultValue = "0",
      paramLabel = "SECONDS",
      description =
          "unrecorded QoS 0 and QoS 1 fan-in, fan-out, fixed-rate QoS 1 and connection storm per target before its first scenario (default: ${DEFAULT-VALUE})")
  int warmupSeconds;

  @Option(
      names = "--drain",
      defaultValue = "10",
      paramLabel = "SECONDS",
      description = "longest wait for late deliveries (default: ${DEFAULT-VALUE})")
  int drainSeconds;

  @Option(
      names = "--publishers",
      defaultValue = "" + BenchSettings.DEFAULT_PUBLISHERS,
      description = "publishers in fan-in and latency (default: ${DEFAULT-VALUE})")
  int publishers;

  @Option(
      names = "--subscribers",
      defaultValue = "" + BenchSettings.DEFAULT_FANOUT_SUBSCRIBERS,
      description = "subscribers in fan-out (default: ${DEFAULT-VALUE})")
  int subscribers;

  @Option(
      names = "--payload",
      defaultValue = "" + BenchSettings.DEFAULT_PAYLOAD_SIZE,
      paramLabel = "BYTES",
      description = "payload size, at least 20 (default: ${DEFAULT-VALUE})")
  int payload;

  @Option(
      names = "--window",
      defaultValue = "" + BenchSettings.DEFAULT_WINDOW,
      description = "QoS 1 in-flight PUBLISHes per connection (default: ${DEFAULT-VALUE})")
  int window;

  @Option(
      names = "--rate",
      defaultValue = "2000",
      paramLabel = "MSG/S",
      description = "total rate of the latency scenario (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(
      names = "--fanout-rate",
      defaultValue = "1000",
      paramLabel = "MSG/S",
      description =
          "publisher rate of the fan-out scenario, 0 = unpaced (default: ${DEFAULT-VALUE})")
  double fanoutRate;

  @Option(
      names = "--connections",
      defaultValue = "" + BenchSettings.DEFAULT_STORM_CONNECTIONS,
      description = "connections of the storm (default: ${DEFAULT-VALUE})")
  int connections;

  @Option(
      names = "--concurrency",
      defaultValue = "" + BenchSettings.DEFAULT_STORM_CONCURRENCY,
      description = "outstanding connects in the storm (default: ${DEFAULT-VALUE})")
  int concurrency;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "append the Markdown report to FILE as well")
  Path output;

  public static void main(String[] args) {
    // a later flag overrides an earlier one, so wrapper scripts can set defaults
    System.exit(new CommandLine(new Bench()).setOverwrittenOptionsAllowed(true).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    BenchSettings settings =
        new BenchSettings(
            Duration.ofSeconds(durationSeconds),
            Duration.ofSeconds(drainSeconds),
            publishers,
            subscribers,
            payload,
            window,
            rate,
            fanoutRate,
            connections,
            concurrency);
    List<Scenario> chosen =
        scenarios.isEmpty()
            ? Arrays.asList(Scenario.values())
            : scenarios.stream().map(Scenario::of).toList();
    String secret = password();
    List<String> stormTokens = stormTokens();
    List<ScenarioRunner> runners = new ArrayList<>();
    for (String spec : targets) {
      String name = spec.contains("=") ? spec.substring(0, spec.indexOf('=')) : spec;
      String address = spec.substring(spec.indexOf('=') + 1);
      int colon = address.lastIndexOf(':');
      if (colon < 1) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--target must be [NAME=]HOST:PORT, was " + spec);
      }
      LoadGenerator.Target target =
          new LoadGenerator.Target(
              address.substring(0, colon),
              Integer.parseInt(address.substring(colon + 1)),
              username,
              secret);
      Long pid = pids.get(name);
      runners.add(
          new ScenarioRunner(
              name,
              target,
              settings,
              pid == null ? OptionalLong.empty() : OptionalLong.of(pid),
              stormTokens));
    }
    if (warmupSeconds > 0) {
      for (ScenarioRunner runner : runners) {
        System.err.printf("bench: warming up %s for %d s%n", runner.name(), warmupSeconds);
        runner.warmUp(Duration.ofSeconds(warmupSeconds));
      }
    }
    List<ScenarioResult> results = new ArrayList<>();
    for (Scenario scenario : chosen) {
      for (ScenarioRunner runner : runners) {
        System.err.printf("bench: %s against %s…%n", scenario.id(), runner.name());
        runner.prime(scenario);
        ScenarioResult result = runner.run(scenario);
        result
            .failure()
            .ifPresent(
                why ->
                    System.err.printf(
                        "bench: %s FAILED against %s: %s%n", scenario.id(), runner.name(), why));
        results.add(result);
        // let the broker settle (GC, closed sockets) before the next one
        Thread.sleep(1000);
      }
    }
    String report =
        MarkdownReport.render(
            runners.stream().map(ScenarioRunner::name).toList(), settings, results);
    System.out.print(report);
    if (output != null) {
      Files.writeString(
          output,
          report,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    return 0;
  }

  /** The lines of {@code --token-file} that are not blank, or none. */
  private List<String> stormTokens() throws java.io.IOException {
    if (tokenFile == null) {
      return List.of();
    }
    List<String> tokens =
        Files.readAllLines(tokenFile).stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
    if (tokens.isEmpty()) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--token-file " + tokenFile + " holds no token");
    }
    return tokens;
  }

  private String password() throws java.io.IOException {
    if (password != null) {
      return password;
    }
    if (passwordFile != null) {
      return Files.readAllLines(passwordFile).stream().findFirst().orElse("").trim();
    }
    return System.getenv("BUSBAR_BENCH_PASSWORD");
  }
}
