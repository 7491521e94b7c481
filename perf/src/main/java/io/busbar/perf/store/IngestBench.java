package io.busbar.perf.store;

import io.busbar.perf.bench.ProcessCpu;
import io.busbar.perf.load.LoadGenerator;
import io.busbar.perf.load.MqttLink;
import io.busbar.perf.load.Publisher;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sustained ingest through the full pipeline of a running node: {@code devices} connections each
 * publish JSON telemetry ({@link TelemetryJson}, {@code metrics} readings per message) at QoS 1 to
 * {@code devices/dev-N/telemetry}, unpaced within a window of in-flight PUBLISHes, for a duration.
 * Accepted readings are PUBACKs × readings per message; stored readings are the growth of the
 * node's {@code busbar_storage_events_written_total}, polled until it stops growing.
 */
public final class IngestBench {

  /** Name of the stored-readings counter in a node's {@code /metrics}. */
  public static final String WRITTEN = "busbar_storage_events_written_total";

  /** What to run. */
  public record Settings(int devices, int metrics, int window, Duration duration, Duration settle) {
    public Settings {
      if (devices < 1) {
        throw new IllegalArgumentException("devices must be at least 1, was " + devices);
      }
    }
  }

  /**
   * What one run measured.
   *
   * @param publishSeconds from the first PUBLISH until the last PUBACK
   * @param storedSeconds from the first PUBLISH until the written counter stopped growing
   * @param brokerCpuSeconds CPU time of the node over {@code storedSeconds}, if its pid was given
   * @param generatorCpuSeconds CPU time of this JVM over the same span
   */
  public record Result(
      Settings settings,
      long messagesSent,
      long messagesAcked,
      long readingsAccepted,
      long readingsStored,
      double publishSeconds,
      double storedSeconds,
      OptionalDouble brokerCpuSeconds,
      double generatorCpuSeconds,
      int connectionsLost) {

    public double acceptedPerSecond() {
      return readingsAccepted / publishSeconds;
    }

    public double storedPerSecond() {
      return readingsStored / storedSeconds;
    }
  }

  private IngestBench() {}

  public static Result run(
      LoadGenerator.Target target, NodeHttp node, OptionalLong brokerPid, Settings settings)
      throws Exception {
    TelemetryJson json = new TelemetryJson(settings.metrics());
    try (LoadGenerator generator = new LoadGenerator(target)) {
      List<MqttLink> links = new ArrayList<>();
      for (int i = 0; i < settings.devices(); i++) {
        links.add(generator.connect("dev-" + i).get(30, TimeUnit.SECONDS));
      }
      double before = node.metric(WRITTEN);
      double baseline = Double.isNaN(before) ? 0 : before;
      List<Publisher> publishers = new ArrayList<>();
      for (int i = 0; i < links.size(); i++) {
        publishers.add(
            new Publisher(
                links.get(i),
                new Publisher.Settings(
                    "devices/dev-" + i + "/telemetry",
                    MqttQoS.AT_LEAST_ONCE,
                    i,
                    64,
                    settings.window(),
                    0,
                    settings.duration().toNanos(),
                    0),
                json::write));
      }
      OptionalDouble brokerCpuBefore =
          brokerPid.isPresent()
              ? ProcessCpu.seconds(brokerPid.getAsLong())
              : OptionalDouble.empty();
      double selfCpuBefore = ProcessCpu.self();
      long start = System.nanoTime();
      List<CompletableFuture<Void>> finished = new ArrayList<>();
      for (Publisher publisher : publishers) {
        finished.add(publisher.start());
      }
      // the last PUBACKs may wait for the store's queue to drain: allow the settle time too
      CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new))
          .get(settings.duration().plus(settings.settle()).toMillis(), TimeUnit.MILLISECONDS);
      double publishSeconds = (System.nanoTime() - start) / 1e9;

      // stored: poll until the counter stops growing for a second (or the settle time ends)
      double written = node.metric(WRITTEN);
      long lastGrowth = System.nanoTime();
      long settleEnd = System.nanoTime() + settings.settle().toNanos();
      while (System.nanoTime() < settleEnd && System.nanoTime() - lastGrowth < 1_000_000_000L) {
        Thread.sleep(100);
        double now = node.metric(WRITTEN);
        if (now > written) {
          written = now;
          lastGrowth = System.nanoTime();
        }
      }
      double storedSeconds = (lastGrowth - start) / 1e9;
      OptionalDouble brokerCpu =
          brokerCpuBefore.isPresent()
              ? ProcessCpu.seconds(brokerPid.getAsLong()).stream()
                  .map(after -> after - brokerCpuBefore.getAsDouble())
                  .findFirst()
              : OptionalDouble.empty();
      double selfCpu = ProcessCpu.self() - selfCpuBefore;

      long sent = generator.onLoop(() -> publishers.stream().mapToLong(Publisher::sent).sum());
      long acked = generator.onLoop(() -> publishers.stream().mapToLong(Publisher::acked).sum());
      int lost = (int) links.stream().filter(l -> l.closed().isDone()).count();
      for (MqttLink link : links) {
        link.disconnect();
      }
      return new Result(
          settings,
          sent,
          acked,
          acked * settings.metrics(),
          (long) (written - baseline),
          publishSeconds,
          storedSeconds,
          brokerCpu,
          selfCpu,
          lost);
    }
  }
}
