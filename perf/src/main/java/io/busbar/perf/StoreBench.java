package io.busbar.perf;

import io.busbar.perf.load.LoadGenerator;
import io.busbar.perf.store.IngestBench;
import io.busbar.perf.store.NodeHttp;
import io.busbar.perf.store.PointsLoader;
import io.busbar.perf.store.QueryBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The storage benchmark (issue 8): {@code ingest} measures readings/s through MQTT → decode → store
 * of a running node; {@code load} fills a fresh store file with DuckDB before a node opens it;
 * {@code query} times REST telemetry queries against a node over such a file. Each prints a
 * Markdown fragment on stdout; {@code perf/run-storage-bench.sh} runs all three.
 */
@Command(
    name = "store-bench",
    mixinStandardHelpOptions = true,
    description = "Embedded-store ingest and query benchmark against a running node.",
    subcommands = {StoreBench.Ingest.class, StoreBench.Load.class, StoreBench.Query.class})
public final class StoreBench implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(new CommandLine(new StoreBench()).setOverwrittenOptionsAllowed(true).execute(args));
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.err);
    return 2;
  }

  /** Options every subcommand shares: the data layout. */
  static final class LayoutOptions {
    @Option(
        names = "--points",
        defaultValue = "10000000",
        description = "readings (default: ${DEFAULT-VALUE})")
    long points;

    @Option(
        names = "--devices",
        defaultValue = "20",
        description = "devices (default: ${DEFAULT-VALUE})")
    int devices;

    @Option(
        names = "--metrics",
        defaultValue = "10",
        description = "metrics per device (default: ${DEFAULT-VALUE})")
    int metrics;

    @Option(
        names = "--days",
        defaultValue = "7",
        description = "days of history (default: ${DEFAULT-VALUE})")
    int days;

    @Option(
        names = "--end",
        defaultValue = "0",
        paramLabel = "EPOCH_MS",
        description = "end of the history; 0 = now rounded down to the hour")
    long endMs;

    PointsLoader.Layout layout() {
      long end = endMs > 0 ? endMs : System.currentTimeMillis() / 3_600_000L * 3_600_000L;
      return new PointsLoader.Layout(points, devices, metrics, days, end);
    }
  }

  static String token(String password, Path passwordFile) throws java.io.IOException {
    if (password != null) {
      return password;
    }
    if (passwordFile != null) {
      return Files.readAllLines(passwordFile).get(0).trim();
    }
    return System.getenv("BUSBAR_BENCH_PASSWORD");
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = "QoS 1 JSON telemetry into a node's store.")
  static final class Ingest implements Callable<Integer> {
    @Option(names = "--mqtt", required = true, paramLabel = "HOST:PORT")
    String mqtt;

    @Option(
        names = "--http",
        required = true,
        paramLabel = "URL",
        description = "e.g. http://127.0.0.1:8080")
    String http;

    @Option(names = "--pid", description = "the node's pid, for its CPU time")
    Long pid;

    @Option(names = "--username", defaultValue = "bench")
    String username;

    @Option(names = "--password")
    String password;

    @Option(names = "--password-file", paramLabel = "FILE")
    Path passwordFile;

    @Option(
        names = "--devices",
        defaultValue = "50",
        description = "device connections (default: ${DEFAULT-VALUE})")
    int devices;

    @Option(
        names = "--metrics",
        defaultValue = "10",
        description = "readings per message (default: ${DEFAULT-VALUE})")
    int metrics;

    @Option(
        names = "--window",
        defaultValue = "100",
        description = "QoS 1 in-flight per connection (default: ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--duration", defaultValue = "30", paramLabel = "SECONDS")
    int duration;

    @Option(
        names = "--warmup",
        defaultValue = "5",
        paramLabel = "SECONDS",
        description = "unrecorded run first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(
        names = "--settle",
        defaultValue = "60",
        paramLabel = "SECONDS",
        description = "longest wait for the store to catch up (default: ${DEFAULT-VALUE})")
    int settle;

    @Override
    public Integer call() throws Exception {
      int colon = mqtt.lastIndexOf(':');
      String secret = token(password, passwordFile);
      LoadGenerator.Target target =
          new LoadGenerator.Target(
              mqtt.substring(0, colon),
              Integer.parseInt(mqtt.substring(colon + 1)),
              username,
              secret);
      NodeHttp node = new NodeHttp(http, secret);
      OptionalLong brokerPid = pid == null ? OptionalLong.empty() : OptionalLong.of(pid);
      if (warmup > 0) {
        System.err.printf("store-bench: warming up for %d s%n", warmup);
        IngestBench.run(
            target,
            node,
            brokerPid,
            new IngestBench.Settings(
                devices, metrics, window, Duration.ofSeconds(warmup), Duration.ofSeconds(settle)));
      }
      System.err.printf("store-bench: ingest for %d s, %d devices%n", duration, devices);
      IngestBench.Result r =
          IngestBench.run(
              target,
              node,
              brokerPid,
              new IngestBench.Settings(
                  devices,
                  metrics,
                  window,
                  Duration.ofSeconds(duration),
                  Duration.ofSeconds(settle)));
      StringBuilder md = new StringBuilder();
      md.append("### Ingest: MQTT QoS 1 JSON → decode → embedded store\n\n");
      md.append(
          String.format(
              Locale.ROOT,
              "%d device connections, %d readings per message, window %d in flight each, %d s publishing after a %d s warm-up.%n%n",
              devices,
              metrics,
              window,
              duration,
              warmup));
      md.append("| what | value |\n|---|---:|\n");
      row(md, "messages sent / PUBACKed", "%,d / %,d", r.messagesSent(), r.messagesAcked());
      row(md, "readings accepted (PUBACKs × readings per message)", "%,d", r.readingsAccepted());
      row(
          md,
          "**readings accepted / s** (first PUBLISH → last PUBACK, %.1f s)"
              .formatted(r.publishSeconds()),
          "**%,.0f**",
          r.acceptedPerSecond());
      row(
          md,
          "readings stored (growth of `" + IngestBench.WRITTEN + "`)",
          "%,d",
          r.readingsStored());
      row(
          md,
          "**readings stored / s** (first PUBLISH → counter stopped, %.1f s)"
              .formatted(r.storedSeconds()),
          "**%,.0f**",
          r.storedPerSecond());
      row(md, "stored − accepted", "%,d", r.readingsStored() - r.readingsAccepted());
      if (r.brokerCpuSeconds().isPresent()) {
        double cpu = r.brokerCpuSeconds().getAsDouble();
        row(
            md,
            "node CPU (cores busy over the stored span)",
            "%.1f s (%.2f)",
            cpu,
            cpu / r.storedSeconds());
        row(md, "readings stored per node CPU-second", "%,.0f", r.readingsStored() / cpu);
      }
      row(
          md,
          "generator CPU (cores busy)",
          "%.1f s (%.2f)",
          r.generatorCpuSeconds(),
          r.generatorCpuSeconds() / r.storedSeconds());
      row(md, "connections lost", "%d", r.connectionsLost());
      System.out.print(md.append('\n'));
      return 0;
    }
  }

  @Command(
      name = "load",
      mixinStandardHelpOptions = true,
      description = "Fill a fresh busbar.duckdb with synthetic readings.")
  static final class Load implements Callable<Integer> {
    @CommandLine.Mixin LayoutOptions layoutOptions;

    @Option(
        names = "--direct-repetitions",
        defaultValue = "20",
        description = "runs of the direct-SQL baseline (default: ${DEFAULT-VALUE})")
    int directRepetitions;

    @Option(
        names = "--data-dir",
        required = true,
        description = "the node's data directory (busbar.duckdb must not exist)")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      PointsLoader.Layout layout = layoutOptions.layout();
      PointsLoader.Loaded loaded = PointsLoader.load(dataDir.resolve("busbar.duckdb"), layout);
      System.out.printf(
          Locale.ROOT,
          "### Query latency over %,d stored readings%n%nStore filled directly with DuckDB (INSERT … SELECT over range(), in time order, the node's `telemetry` schema) before the node opened it: %,d readings = %d devices × %d metrics × %,d instants, one every %.1f s over %d days, in %.1f s; file %,d MB. Rollups had not run (the first runs 10 min after start), so every query reads raw rows.%n%n",
          loaded.rows(),
          loaded.rows(),
          layout.devices(),
          layout.metrics(),
          layout.instants(),
          layout.stepMs() / 1000.0,
          layout.days(),
          loaded.seconds(),
          loaded.fileBytes() / 1_000_000);
      Histogram direct =
          PointsLoader.timeDayQuery(dataDir.resolve("busbar.duckdb"), layout, directRepetitions);
      System.out.printf(
          Locale.ROOT,
          "Baseline without the node: the day-1m-avg query as hand-written SQL straight on the file through JDBC in the benchmark's JVM, %d runs: p50 %.1f ms, max %.1f ms.%n%n",
          directRepetitions,
          direct.getValueAtPercentile(50) / 1000.0,
          direct.getMaxValue() / 1000.0);
      System.err.printf("store-bench: end %d%n", layout.endMs());
      return 0;
    }
  }

  @Command(
      name = "query",
      mixinStandardHelpOptions = true,
      description = "Time REST telemetry queries.")
  static final class Query implements Callable<Integer> {
    @CommandLine.Mixin LayoutOptions layoutOptions;

    @Option(names = "--http", required = true, paramLabel = "URL")
    String http;

    @Option(names = "--password")
    String password;

    @Option(names = "--password-file", paramLabel = "FILE")
    Path passwordFile;

    @Option(names = "--repetitions", defaultValue = "50")
    int repetitions;

    @Option(names = "--warmup", defaultValue = "5")
    int warmup;

    @Override
    public Integer call() throws Exception {
      NodeHttp node = new NodeHttp(http, token(password, passwordFile));
      List<QueryBench.Result> results =
          QueryBench.run(
              node, QueryBench.standardShapes(layoutOptions.layout()), warmup, repetitions);
      StringBuilder md = new StringBuilder();
      md.append(
          String.format(
              Locale.ROOT,
              "REST `GET /api/v1/devices/{id}/telemetry` over HTTP/1.1 keep-alive, one at a time, %d unrecorded then %d recorded per shape, rotating over the devices; milliseconds.%n%n",
              warmup,
              repetitions));
      md.append("| query | rows | p50 | p99 | max | failures |\n|---|---:|---:|---:|---:|---:|\n");
      int failed = 0;
      for (QueryBench.Result r : results) {
        Histogram h = r.micros();
        md.append(
            String.format(
                Locale.ROOT,
                "| `%s`: %s | %d | %.1f | %.1f | %.1f | %d |%n",
                r.shape().name(),
                r.shape().description(),
                r.rows(),
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0,
                h.getMaxValue() / 1000.0,
                r.failures()));
        if (r.firstFailure() != null) {
          failed++;
          System.err.printf("store-bench: %s failed: %s%n", r.shape().name(), r.firstFailure());
        }
      }
      System.out.print(md.append('\n'));
      return failed == 0 ? 0 : 1;
    }
  }

  private static void row(StringBuilder md, String what, String format, Object... args) {
    md.append("| ")
        .append(what)
        .append(" | ")
        .append(String.format(Locale.ROOT, format, args))
        .append(" |\n");
  }
}
