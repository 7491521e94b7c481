package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes in separate JVMs joined with {@code --cluster}. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterIT {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static String get(int port, String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /**
   * Verifies that two nodes form one cluster whose event bus spans them: a reading published to
   * node A shows in node B's live state; node B then leaves gracefully on SIGTERM.
   */
  @Test
  void eventBusSpansNodes(@TempDir Path dir) throws Exception {
    String clusterName = "it-" + ProcessHandle.current().pid();
    String[] args = {
      "--cluster", "--config", TestClients.clusterConfig(dir, clusterName).toString()
    };
    try (NodeProcess a = NodeProcess.start("a", dir.resolve("a"), args);
        NodeProcess b = NodeProcess.start("b", dir.resolve("b"), args)) {
      String token = TestClients.mint(a.dataDir, "d1");
      TestClients.publish(
          a.mqttPort, "d1", token, "devices/d1/telemetry", "{\"metrics\":{\"temperature\":42.5}}");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      String state = "";
      while (System.nanoTime() < deadline && !state.contains("42.5")) {
        state = get(b.httpPort, "/api/v1/state");
        Thread.sleep(100);
      }
      assertThat(state).as("node b's live state").contains("\"d1\"").contains("42.5");
      io.vertx.core.json.JsonObject cluster =
          new io.vertx.core.json.JsonObject(get(a.httpPort, "/api/v1/cluster"));
      assertThat(cluster.getString("cluster")).isEqualTo(clusterName);
      assertThat(
              cluster.getJsonArray("members").stream()
                  .map(m -> ((io.vertx.core.json.JsonObject) m).getString("node")))
          .containsExactlyInAnyOrder("a", "b");
      assertThat(b.terminate()).as(b.output()).isEqualTo(143);
      assertThat(b.output()).contains("stopped cleanly");
      assertThat(get(a.httpPort, "/health")).contains("UP");
    }
  }
}
