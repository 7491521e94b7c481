package io.busbar.perf;

import io.busbar.perf.load.LoadGenerator;
import io.busbar.perf.load.MqttLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Opens idle MQTT 3.1.1 connections (clean session, keep alive 600 s, no subscriptions) and holds
 * them, so a broker's memory per connection can be read meanwhile. Prints {@code held N failed F}
 * once every CONNECT is answered, then holds until {@code --seconds} pass or it is killed.
 *
 * <pre>
 * java -cp hub/target/busbar.jar io.busbar.perf.HoldConnections --port 1883 \
 *   --password-file token.txt --connections 10000
 * </pre>
 */
@Command(
    name = "hold-connections",
    mixinStandardHelpOptions = true,
    description = "Opens idle MQTT connections to one broker and holds them.")
public final class HoldConnections implements Callable<Integer> {

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "(default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--port", required = true, description = "the broker's MQTT port")
  int port;

  @Option(
      names = "--username",
      defaultValue = "bench",
      description = "MQTT user name (Busbar: the token's subject; default: ${DEFAULT-VALUE})")
  String username;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "file whose first line is the password (Busbar: a JWT); none: no password")
  Path passwordFile;

  @Option(
      names = "--connections",
      defaultValue = "10000",
      description = "connections to open (default: ${DEFAULT-VALUE})")
  int connections;

  @Option(
      names = "--concurrency",
      defaultValue = "100",
      description = "outstanding CONNECTs at most (default: ${DEFAULT-VALUE})")
  int concurrency;

  @Option(
      names = "--seconds",
      defaultValue = "600",
      description = "how long to hold them (default: ${DEFAULT-VALUE})")
  long seconds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new HoldConnections()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String password =
        passwordFile == null
            ? null
            : Files.readAllLines(passwordFile).stream().findFirst().orElse("").trim();
    try (LoadGenerator generator =
        new LoadGenerator(new LoadGenerator.Target(host, port, username, password))) {
      Semaphore outstanding = new Semaphore(concurrency);
      AtomicLong failed = new AtomicLong();
      List<CompletableFuture<MqttLink>> all = new ArrayList<>();
      String prefix = "hold-" + ProcessHandle.current().pid() + "-";
      for (int i = 0; i < connections; i++) {
        outstanding.acquire();
        CompletableFuture<MqttLink> link = generator.connect(prefix + i);
        link.whenComplete(
            (l, error) -> {
              outstanding.release();
              if (error != null) {
                failed.incrementAndGet();
              }
            });
        all.add(link);
      }
      // every CONNECT answered (accepted or not): the refused ones are counted, not waited on
      CompletableFuture.allOf(
              all.stream().map(f -> f.handle((l, e) -> l)).toArray(CompletableFuture[]::new))
          .get(10 + connections / 100, TimeUnit.SECONDS);
      System.out.printf("held %d failed %d%n", connections - failed.get(), failed.get());
      System.out.flush();
      Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    }
    return 0;
  }
}
