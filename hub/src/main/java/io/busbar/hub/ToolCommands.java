package io.busbar.hub;

import io.busbar.perf.sim.FactorySimulator;
import io.busbar.perf.sim.PlantLayout;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.Durations;
import io.busbar.security.jwt.TokenRequest;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Commands that work against a running node from outside: simulate, export. */
final class ToolCommands {

  private ToolCommands() {}

  @Command(
      name = "simulate",
      mixinStandardHelpOptions = true,
      description = "Run the simulated factory against a running node.")
  static final class Simulate implements Callable<Integer> {
    @Mixin NodeOptions options;

    @Option(
        names = "--host",
        defaultValue = "127.0.0.1",
        description = "MQTT host (default: ${DEFAULT-VALUE})")
    String host;

    @Option(
        names = "--sites",
        defaultValue = "1",
        description = "sites (default: ${DEFAULT-VALUE})")
    int sites;

    @Option(
        names = "--lines",
        defaultValue = "2",
        description = "lines per site (default: ${DEFAULT-VALUE})")
    int lines;

    @Option(
        names = "--machines",
        defaultValue = "3",
        description = "machines per line (default: ${DEFAULT-VALUE})")
    int machines;

    @Option(
        names = "--interval",
        defaultValue = "1s",
        description = "publish interval per machine (default: ${DEFAULT-VALUE})")
    String interval;

    @Override
    public Integer call() throws Exception {
      var config = options.resolve(System.getenv());
      Vertx vertx = Vertx.vertx();
      DevelopmentIssuer issuer = DevelopmentIssuer.loadOrCreate(vertx, config.devKeyDir());
      FactorySimulator.Settings settings =
          new FactorySimulator.Settings(
              host,
              config.mqtt().port(),
              new PlantLayout(sites, lines, machines),
              Durations.parse(interval));
      FactorySimulator simulator =
          Main.await(
              FactorySimulator.start(
                  vertx,
                  settings,
                  id -> issuer.mint(new TokenRequest(id, "default", Set.of(), Duration.ofDays(1)))),
              "start the simulator");
      System.out.println(
          "busbar: simulating "
              + simulator.machineCount()
              + " machines against "
              + host
              + ":"
              + settings.port()
              + " (Ctrl-C to stop)");
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    simulator.stop().eventually(vertx::close);
                    stopped.countDown();
                  }));
      stopped.await();
      return 0;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Export stored readings of a time range to a Parquet file.")
  static final class Export implements Callable<Integer> {
    @Option(
        names = "--url",
        defaultValue = "http://127.0.0.1:8080",
        description = "the node's HTTP address (default: ${DEFAULT-VALUE})")
    String url;

    @Option(
        names = "--from",
        required = true,
        description = "start, epoch ms or ISO-8601 (inclusive)")
    String from;

    @Option(names = "--to", required = true, description = "end, epoch ms or ISO-8601 (exclusive)")
    String to;

    @Option(names = "--device", description = "only this device")
    String device;

    @Option(names = "--out", required = true, description = "the Parquet file to write")
    Path out;

    @Option(names = "--token", description = "bearer token, when the node requires one")
    String token;

    @Override
    public Integer call() throws Exception {
      StringBuilder query =
          new StringBuilder("/api/v1/export?from=")
              .append(encode(from))
              .append("&to=")
              .append(encode(to));
      if (device != null) {
        query.append("&device=").append(encode(device));
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(url + query)).timeout(Duration.ofMinutes(5));
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      Path partial = out.resolveSibling(out.getFileName() + ".part");
      HttpResponse<Path> response =
          HttpClient.newHttpClient()
              .send(request.build(), HttpResponse.BodyHandlers.ofFile(partial));
      if (response.statusCode() != 200) {
        String problem = Files.readString(partial);
        Files.deleteIfExists(partial);
        System.err.println("busbar: export refused (" + response.statusCode() + "): " + problem);
        return 1;
      }
      Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING);
      System.out.println("busbar: wrote " + Files.size(out) + " bytes to " + out);
      return 0;
    }

    private static String encode(String value) {
      return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
  }
}
