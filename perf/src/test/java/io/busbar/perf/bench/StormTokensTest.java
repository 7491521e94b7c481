package io.busbar.perf.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.perf.load.LoadGenerator;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection storm with a token file, against a Vert.x MQTT server that records passwords. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StormTokensTest {

  /**
   * Verifies that the storm's CONNECTs use the given tokens round-robin across the unrecorded and
   * the measured pass, so twice as many tokens as connections are each sent exactly once.
   */
  @Test
  void stormSendsEachTokenOnceAcrossBothPasses() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> seen = Collections.synchronizedList(new ArrayList<>());
      MqttServer server =
          MqttServer.create(vertx, new MqttServerOptions().setHost("127.0.0.1").setPort(0))
              .endpointHandler(
                  endpoint -> {
                    seen.add(endpoint.auth().getPassword());
                    endpoint.accept(false);
                  });
      int port = server.listen().await().actualPort();
      int connections = 5;
      List<String> tokens =
          IntStream.range(0, 2 * connections).mapToObj(i -> "token-" + i).toList();
      BenchSettings settings =
          new BenchSettings(
              Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 1, 64, 1, 10, 10, connections, 2);
      ScenarioRunner runner =
          new ScenarioRunner(
              "vertx",
              new LoadGenerator.Target("127.0.0.1", port, "bench", "ignored"),
              settings,
              OptionalLong.empty(),
              tokens);

      ScenarioResult result = runner.run(Scenario.CONNECT_STORM);

      assertThat(result.failure()).isEmpty();
      assertThat(seen).containsExactlyInAnyOrderElementsOf(tokens);
    } finally {
      vertx.close().await();
    }
  }
}
