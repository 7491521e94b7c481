package io.busbar.perf.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Smoke test of the load generator against a real Mosquitto; no timing assertions. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoadGeneratorTest {

  private static MosquittoProcess mosquitto;

  @BeforeAll
  static void startMosquitto() throws Exception {
    assumeTrue(
        MosquittoProcess.installed(),
        "skipped: " + MosquittoProcess.BINARY + " is missing (apt-get install mosquitto)");
    mosquitto = MosquittoProcess.start();
  }

  @AfterAll
  static void stopMosquitto() throws Exception {
    if (mosquitto != null) {
      mosquitto.close();
    }
  }

  /**
   * Verifies that QoS 1 publishes from three connections all reach a wildcard subscriber, acked and
   * without loss.
   */
  @Test
  void qos1FanInArrivesComplete() throws Exception {
    assertFanIn(MqttQoS.AT_LEAST_ONCE, "smoke1");
  }

  /** Verifies that QoS 0 pipelined publishes reach a wildcard subscriber and are counted. */
  @Test
  void qos0FanInIsCounted() throws Exception {
    assertFanIn(MqttQoS.AT_MOST_ONCE, "smoke0");
  }

  /** Verifies that a connection to a port nobody listens on fails the future instead of hanging. */
  @Test
  void connectToClosedPortFails() throws Exception {
    int closed;
    try (var s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (LoadGenerator generator =
        new LoadGenerator(new LoadGenerator.Target("127.0.0.1", closed, null, null))) {
      CompletableFuture<MqttLink> link = generator.connect("nobody");
      assertThat(link).failsWithin(15, TimeUnit.SECONDS);
    }
  }

  private void assertFanIn(MqttQoS qos, String prefix) throws Exception {
    int publishers = 3;
    int perPublisher = 200;
    try (LoadGenerator generator =
        new LoadGenerator(new LoadGenerator.Target("127.0.0.1", mosquitto.port, "u", "p"))) {
      MqttLink subscriber = generator.connect(prefix + "-sub").get(10, TimeUnit.SECONDS);
      Receiver receiver = new Receiver();
      subscriber.subscribe("bench/" + prefix + "/#", qos, receiver).get(10, TimeUnit.SECONDS);

      List<Publisher> running = new ArrayList<>();
      List<CompletableFuture<Void>> finished = new ArrayList<>();
      for (int i = 0; i < publishers; i++) {
        MqttLink link = generator.connect(prefix + "-pub-" + i).get(10, TimeUnit.SECONDS);
        Publisher publisher =
            new Publisher(
                link,
                new Publisher.Settings(
                    "bench/" + prefix + "/" + i,
                    qos,
                    i,
                    32,
                    16,
                    0,
                    TimeUnit.SECONDS.toNanos(20),
                    perPublisher));
        running.add(publisher);
        finished.add(publisher.start());
      }
      CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      long[] sent = generator.onLoop(() -> running.stream().mapToLong(Publisher::sent).toArray());
      assertThat(sent).containsOnly(perPublisher);
      if (qos == MqttQoS.AT_LEAST_ONCE) {
        assertThat(generator.onLoop(() -> running.stream().mapToLong(Publisher::acked).sum()))
            .isEqualTo((long) publishers * perPublisher);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (generator.onLoop(() -> receiver.tracker().distinct()) < publishers * perPublisher
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(generator.onLoop(() -> receiver.tracker().missing(sent))).isZero();
      assertThat(generator.onLoop(() -> receiver.tracker().duplicates())).isZero();
      assertThat(generator.onLoop(() -> receiver.latencyMicros().getTotalCount()))
          .isEqualTo((long) publishers * perPublisher);
      subscriber.disconnect().get(5, TimeUnit.SECONDS);
    }
  }
}
