package io.busbar.perf.bench;

import io.busbar.perf.bench.Measurement.Better;
import io.busbar.perf.load.LoadGenerator;
import io.busbar.perf.load.MqttLink;
import io.busbar.perf.load.Publisher;
import io.busbar.perf.load.Receiver;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Runs scenarios against one broker, each with a fresh {@link LoadGenerator} (one event-loop
 * thread) and fresh clean-session connections, and turns what the receivers saw into {@link
 * Measurement}s. A scenario that cannot run (refused connection, timeout) gives a failed {@link
 * ScenarioResult}, never an exception.
 */
public final class ScenarioRunner {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final String name;
  private final LoadGenerator.Target target;
  private final BenchSettings settings;
  private final OptionalLong brokerPid;
  private final List<String> stormPasswords;
  private long stormConnects;
  private int runs;

  /**
   * @param name the broker's name in the report
   * @param brokerPid the broker's process id for CPU accounting, if it runs on this machine
   */
  public ScenarioRunner(
      String name, LoadGenerator.Target target, BenchSettings settings, OptionalLong brokerPid) {
    this(name, target, settings, brokerPid, List.of());
  }

  /**
   * @param stormPasswords passwords (tokens) the connection storm's CONNECTs use round-robin, in
   *     order across its unrecorded and measured passes (so with twice as many distinct tokens as
   *     connections no token is sent twice); empty: the target's password
   */
  public ScenarioRunner(
      String name,
      LoadGenerator.Target target,
      BenchSettings settings,
      OptionalLong brokerPid,
      List<String> stormPasswords) {
    this.name = name;
    this.target = target;
    this.settings = settings;
    this.brokerPid = brokerPid;
    this.stormPasswords = List.copyOf(stormPasswords);
  }

  /** The password of the storm's next CONNECT. */
  private String nextStormPassword() {
    if (stormPasswords.isEmpty()) {
      return target.password();
    }
    return stormPasswords.get((int) (stormConnects++ % stormPasswords.size()));
  }

  public String name() {
    return name;
  }

  /** Runs {@code scenario} once; never throws for a broker's misbehaviour. */
  public ScenarioResult run(Scenario scenario) {
    return run(scenario, settings);
  }

  /**
   * Runs a short unrecorded QoS 0 fan-in, QoS 1 fan-in, fan-out, fixed-rate QoS 1 and connection
   * storm so a JIT-compiled broker is measured warm. The fixed-rate and connect paths are warmed
   * too: after the fan-ins and the fan-out alone, a JVM broker's compiler threads still took most
   * of its CPU time in the measured latency scenario and the storm's first two passes.
   */
  public void warmUp(java.time.Duration duration) {
    BenchSettings brief = brief(duration);
    run(Scenario.QOS0_FANIN, brief);
    run(Scenario.QOS1_FANIN, brief);
    // the fan-out runs other broker code (many subscribers per message): warm it too
    run(Scenario.FANOUT, brief);
    run(Scenario.LATENCY, brief);
    run(Scenario.CONNECT_STORM, brief);
  }

  /**
   * Runs an unrecorded 2 s pass of a paced scenario (fixed-rate latency, fan-out) right before its
   * measured one. Without it, whichever broker was measured first after sitting idle while the
   * other ran had the worse latency tail (up to 2× its p99 in repeated runs): the measured pass
   * then compares brokers already serving that traffic. The unpaced scenarios measure throughput
   * and the storm makes its own unrecorded pass.
   */
  public void prime(Scenario scenario) {
    if (scenario == Scenario.LATENCY || scenario == Scenario.FANOUT) {
      run(scenario, brief(java.time.Duration.ofSeconds(2)));
    }
  }

  private BenchSettings brief(java.time.Duration duration) {
    return new BenchSettings(
        duration,
        java.time.Duration.ofSeconds(3),
        settings.publishers(),
        settings.fanoutSubscribers(),
        settings.payloadSize(),
        settings.window(),
        settings.latencyRate(),
        settings.fanoutRate(),
        settings.stormConnections(),
        settings.stormConcurrency());
  }

  private ScenarioResult run(Scenario scenario, BenchSettings s) {
    String prefix = "bench-" + ProcessHandle.current().pid() + "-" + (++runs) + "-";
    try (LoadGenerator generator = new LoadGenerator(target)) {
      List<Measurement> figures =
          switch (scenario) {
            case QOS0_FANIN -> fanIn(generator, prefix, s, MqttQoS.AT_MOST_ONCE, 0);
            case QOS1_FANIN -> fanIn(generator, prefix, s, MqttQoS.AT_LEAST_ONCE, 0);
            case LATENCY ->
                fanIn(
                    generator, prefix, s, MqttQoS.AT_LEAST_ONCE, s.latencyRate() / s.publishers());
            case FANOUT -> fanOut(generator, prefix, s);
            case CONNECT_STORM -> storm(generator, prefix, s);
          };
      return ScenarioResult.ok(scenario, name, figures);
    } catch (ScenarioFailure e) {
      return ScenarioResult.failed(scenario, name, e.getMessage());
    } catch (RuntimeException e) {
      return ScenarioResult.failed(scenario, name, e.toString());
    }
  }

  /** A scenario that could not run to its end. */
  static final class ScenarioFailure extends Exception {
    ScenarioFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private List<Measurement> fanIn(
      LoadGenerator generator, String prefix, BenchSettings s, MqttQoS qos, double ratePerPublisher)
      throws ScenarioFailure {
    List<MqttLink> links = new ArrayList<>();
    MqttLink subscriber = await(generator.connect(prefix + "sub"), "connect the subscriber");
    links.add(subscriber);
    Receiver receiver = new Receiver();
    await(subscriber.subscribe("bench/#", qos, receiver), "subscribe to bench/#");
    List<CompletableFuture<MqttLink>> connecting = new ArrayList<>();
    for (int i = 0; i < s.publishers(); i++) {
      connecting.add(generator.connect(prefix + "pub-" + i));
    }
    List<Publisher> publishers = new ArrayList<>();
    for (int i = 0; i < s.publishers(); i++) {
      MqttLink link = await(connecting.get(i), "connect publisher " + i);
      links.add(link);
      publishers.add(
          new Publisher(
              link,
              new Publisher.Settings(
                  "bench/" + i,
                  qos,
                  i,
                  s.payloadSize(),
                  s.window(),
                  ratePerPublisher,
                  s.duration().toNanos(),
                  0)));
    }
    Window window = Window.open(brokerPid);
    List<CompletableFuture<Void>> finished = new ArrayList<>();
    publishers.forEach(p -> finished.add(p.start()));
    await(
        CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new)),
        "finish publishing (QoS 1: last PUBACK)",
        s.duration().toSeconds() + 60);
    long sendEnd = System.nanoTime();
    long[] sent = generator.onLoop(() -> publishers.stream().mapToLong(Publisher::sent).toArray());
    long sentTotal = java.util.Arrays.stream(sent).sum();
    drain(generator, List.of(receiver), sentTotal, s);
    Window.Closed used = window.close();
    long acked = generator.onLoop(() -> publishers.stream().mapToLong(Publisher::acked).sum());

    List<Measurement> m = new ArrayList<>();
    Snapshot r = generator.onLoop(() -> Snapshot.of(receiver, sent));
    double sendSeconds = (sendEnd - window.startNanos()) / 1e9;
    double receiveSeconds = Math.max(1e-9, (r.lastNanos - window.startNanos()) / 1e9);
    if (ratePerPublisher > 0) {
      m.add(count("offered msg/s", ratePerPublisher * s.publishers(), Better.NEITHER));
    }
    m.add(count("published msg/s", sentTotal / sendSeconds, Better.HIGHER));
    m.add(count("delivered msg/s", r.distinct / receiveSeconds, Better.HIGHER));
    m.add(count("published", sentTotal, Better.NEITHER));
    if (qos == MqttQoS.AT_LEAST_ONCE) {
      m.add(count("acknowledged (PUBACK)", acked, Better.NEITHER));
    }
    m.add(count("delivered", r.distinct, Better.NEITHER));
    m.add(count("lost", r.missing, Better.LOWER));
    m.add(
        new Measurement(
            "lost %", sentTotal == 0 ? 0 : 100.0 * r.missing / sentTotal, Better.LOWER, 3));
    m.add(count("duplicates", r.duplicates, Better.LOWER));
    m.add(count("reordered", r.reordered, Better.LOWER));
    latency(m, r.latency);
    cpu(m, used, r.distinct);
    return m;
  }

  private List<Measurement> fanOut(LoadGenerator generator, String prefix, BenchSettings s)
      throws ScenarioFailure {
    List<CompletableFuture<MqttLink>> connecting = new ArrayList<>();
    for (int i = 0; i < s.fanoutSubscribers(); i++) {
      connecting.add(generator.connect(prefix + "sub-" + i));
    }
    List<Receiver> receivers = new ArrayList<>();
    List<CompletableFuture<Void>> subscribing = new ArrayList<>();
    for (int i = 0; i < connecting.size(); i++) {
      MqttLink link = await(connecting.get(i), "connect subscriber " + i);
      Receiver receiver = new Receiver();
      receivers.add(receiver);
      subscribing.add(link.subscribe("bench/fanout", MqttQoS.AT_MOST_ONCE, receiver));
    }
    await(
        CompletableFuture.allOf(subscribing.toArray(CompletableFuture[]::new)),
        "subscribe to bench/fanout");
    MqttLink link = await(generator.connect(prefix + "pub"), "connect the publisher");
    Publisher publisher =
        new Publisher(
            link,
            new Publisher.Settings(
                "bench/fanout",
                MqttQoS.AT_MOST_ONCE,
                0,
                s.payloadSize(),
                s.window(),
                s.fanoutRate(),
                s.duration().toNanos(),
                0));
    Window window = Window.open(brokerPid);
    await(publisher.start(), "finish publishing", s.duration().toSeconds() + 60);
    long sendEnd = System.nanoTime();
    long sent = generator.onLoop(publisher::sent);
    long expected = sent * receivers.size();
    drain(generator, receivers, expected, s);
    Window.Closed used = window.close();

    Histogram latency = new Histogram(3);
    long[] perSubscriber = {sent};
    Snapshot total =
        generator.onLoop(
            () -> {
              Snapshot sum = new Snapshot();
              for (Receiver r : receivers) {
                sum.add(Snapshot.of(r, perSubscriber));
              }
              return sum;
            });
    latency.add(total.latency);
    double sendSeconds = (sendEnd - window.startNanos()) / 1e9;
    double receiveSeconds = Math.max(1e-9, (total.lastNanos - window.startNanos()) / 1e9);
    List<Measurement> m = new ArrayList<>();
    if (s.fanoutRate() > 0) {
      m.add(count("offered msg/s", s.fanoutRate(), Better.NEITHER));
    }
    m.add(count("published msg/s", sent / sendSeconds, Better.HIGHER));
    m.add(
        count("delivered msg/s (all subscribers)", total.distinct / receiveSeconds, Better.HIGHER));
    m.add(count("published", sent, Better.NEITHER));
    m.add(count("expected deliveries", expected, Better.NEITHER));
    m.add(count("delivered", total.distinct, Better.NEITHER));
    m.add(count("lost", total.missing, Better.LOWER));
    m.add(
        new Measurement(
            "lost %", expected == 0 ? 0 : 100.0 * total.missing / expected, Better.LOWER, 3));
    m.add(count("duplicates", total.duplicates, Better.LOWER));
    latency(m, latency);
    cpu(m, used, total.distinct);
    return m;
  }

  /**
   * The connection storm: first an unrecorded pass of the same size, so the broker's connect path
   * is measured JIT-compiled (the fan-in warm-up opens only a few connections), then the measured
   * pass.
   */
  private List<Measurement> storm(LoadGenerator generator, String prefix, BenchSettings s)
      throws ScenarioFailure {
    stormPass(generator, prefix + "warm-", s);
    sleep(1000); // let the broker finish closing the warm-up's connections
    return stormPass(generator, prefix, s);
  }

  private List<Measurement> stormPass(LoadGenerator generator, String prefix, BenchSettings s)
      throws ScenarioFailure {
    int total = s.stormConnections();
    Semaphore outstanding = new Semaphore(s.stormConcurrency());
    Histogram connectMicros = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
    AtomicLong failures = new AtomicLong();
    java.util.concurrent.ConcurrentLinkedQueue<String> reasons =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    List<MqttLink> opened = java.util.Collections.synchronizedList(new ArrayList<>());
    Window window = Window.open(brokerPid);
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      try {
        outstanding.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ScenarioFailure("interrupted", e);
      }
      long begin = System.nanoTime();
      all.add(
          generator
              .connect(prefix + i, nextStormPassword())
              .handle(
                  (link, error) -> {
                    outstanding.release();
                    if (error != null) {
                      failures.incrementAndGet();
                      if (reasons.size() < 3) {
                        reasons.add(String.valueOf(error.getMessage()));
                      }
                    } else {
                      opened.add(link);
                      // histogram written on the generator's one thread only
                      connectMicros.recordValue(
                          Math.min(
                              (System.nanoTime() - begin) / 1000, TimeUnit.MINUTES.toMicros(1)));
                    }
                    return null;
                  }));
    }
    await(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)), "finish the storm", 120);
    long elapsed = System.nanoTime() - window.startNanos();
    Window.Closed used = window.close();
    int ok = opened.size();
    List<Measurement> m = new ArrayList<>();
    m.add(count("connects/s", ok / (elapsed / 1e9), Better.HIGHER));
    m.add(count("attempted", total, Better.NEITHER));
    m.add(count("connected", ok, Better.HIGHER));
    m.add(count("failed", failures.get(), Better.LOWER));
    Histogram h = generator.onLoop(connectMicros::copy);
    m.add(new Measurement("connect p50 ms", ms(h, 50), Better.LOWER, 3));
    m.add(new Measurement("connect p99 ms", ms(h, 99), Better.LOWER, 3));
    m.add(new Measurement("connect max ms", h.getMaxValue() / 1000.0, Better.LOWER, 3));
    cpu(m, used, ok);
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    synchronized (opened) {
      opened.forEach(l -> closing.add(l.disconnect()));
    }
    try {
      CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the generator closes whatever is left
    }
    if (!reasons.isEmpty()) {
      m.add(
          new Measurement(
              "failures, e.g.: " + String.join("; ", reasons), failures.get(), Better.LOWER, 0));
    }
    return m;
  }

  /**
   * Waits until the receivers saw {@code expected} distinct messages, or nothing new for 2 s, or
   * the drain time.
   */
  private static void drain(
      LoadGenerator generator, List<Receiver> receivers, long expected, BenchSettings s) {
    long deadline = System.nanoTime() + s.drain().toNanos();
    long last = -1;
    long lastProgress = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long got =
          generator.onLoop(() -> receivers.stream().mapToLong(r -> r.tracker().distinct()).sum());
      if (got >= expected) {
        return;
      }
      if (got != last) {
        last = got;
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > 2 * SECOND) {
        return;
      }
      sleep(20);
    }
  }

  private static void latency(List<Measurement> m, Histogram h) {
    m.add(new Measurement("latency p50 ms", ms(h, 50), Better.LOWER, 3));
    m.add(new Measurement("latency p99 ms", ms(h, 99), Better.LOWER, 3));
    m.add(new Measurement("latency p99.9 ms", ms(h, 99.9), Better.LOWER, 3));
    m.add(new Measurement("latency max ms", h.getMaxValue() / 1000.0, Better.LOWER, 3));
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static void cpu(List<Measurement> m, Window.Closed used, double work) {
    if (used.brokerSeconds().isPresent()) {
      double broker = used.brokerSeconds().getAsDouble();
      m.add(new Measurement("broker CPU s", broker, Better.LOWER, 2));
      // /proc counts CPU in 10 ms ticks: below 0.1 s the quotient is mostly rounding
      if (broker >= 0.1) {
        m.add(count("per broker CPU-second", work / broker, Better.HIGHER));
      }
    }
    m.add(new Measurement("generator CPU s", used.generatorSeconds(), Better.NEITHER, 2));
    m.add(new Measurement("wall s", used.wallSeconds(), Better.NEITHER, 2));
  }

  private static Measurement count(String name, double value, Better better) {
    return Measurement.count(name, value, better);
  }

  private static <T> T await(CompletableFuture<T> future, String what) throws ScenarioFailure {
    return await(future, what, 30);
  }

  private static <T> T await(CompletableFuture<T> future, String what, long seconds)
      throws ScenarioFailure {
    try {
      return future.get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new ScenarioFailure("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new ScenarioFailure("cannot " + what + ": no answer within " + seconds + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ScenarioFailure("interrupted while waiting to " + what, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What receivers saw, copied on the generator's thread. */
  private static final class Snapshot {
    long distinct;
    long missing;
    long duplicates;
    long reordered;
    long lastNanos;
    final Histogram latency = new Histogram(3);

    static Snapshot of(Receiver r, long[] sent) {
      Snapshot s = new Snapshot();
      s.distinct = r.tracker().distinct();
      s.missing = r.tracker().missing(sent);
      s.duplicates = r.tracker().duplicates();
      s.reordered = r.tracker().reordered();
      s.lastNanos = r.lastNanos();
      s.latency.add(r.latencyMicros());
      return s;
    }

    void add(Snapshot o) {
      distinct += o.distinct;
      missing += o.missing;
      duplicates += o.duplicates;
      reordered += o.reordered;
      lastNanos = Math.max(lastNanos, o.lastNanos);
      latency.add(o.latency);
    }
  }

  /** Wall time and CPU time of the broker and of this JVM over one measured stretch. */
  private record Window(
      long startNanos, OptionalLong pid, OptionalDouble brokerAtStart, double selfAtStart) {

    record Closed(OptionalDouble brokerSeconds, double generatorSeconds, double wallSeconds) {}

    static Window open(OptionalLong pid) {
      OptionalDouble broker =
          pid.isPresent() ? ProcessCpu.seconds(pid.getAsLong()) : OptionalDouble.empty();
      return new Window(System.nanoTime(), pid, broker, ProcessCpu.self());
    }

    Closed close() {
      OptionalDouble broker = OptionalDouble.empty();
      if (pid.isPresent() && brokerAtStart.isPresent()) {
        OptionalDouble now = ProcessCpu.seconds(pid.getAsLong());
        if (now.isPresent()) {
          broker = OptionalDouble.of(now.getAsDouble() - brokerAtStart.getAsDouble());
        }
      }
      return new Closed(
          broker, ProcessCpu.self() - selfAtStart, (System.nanoTime() - startNanos) / 1e9);
    }
  }
}
