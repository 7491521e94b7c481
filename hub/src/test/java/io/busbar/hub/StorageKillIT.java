package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code storage.ack-on-commit: true} end to end: a node in its own JVM is killed ({@code kill -9})
 * while a QoS 1 device streams readings into it, then restarted on the same data directory; every
 * reading whose PUBACK the device got must be in the store.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StorageKillIT {

  private static final String DEVICE = "kill-dev";

  /** Readings published at most; the kill comes well before (one REST page holds them all). */
  private static final int MAX_READINGS = 9_000;

  /**
   * First reading's timestamp; reading {@code i} has {@code ts = BASE_TS + i} and value {@code i}.
   */
  private static final long BASE_TS = 1_700_000_000_000L;

  @TempDir Path dir;
  private NodeProcess node;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
      Files.writeString(Path.of("target", "storage-kill-it.log"), node.output());
    }
  }

  /**
   * Verifies that after {@code kill -9} of a node with {@code storage.ack-on-commit: true} in the
   * middle of a QoS 1 stream, the node restarts on the same data directory and its store holds
   * every reading that was acknowledged (PUBACK) before the kill, each once.
   */
  @Test
  void everyAcknowledgedReadingSurvivesKill9() throws Exception {
    Path config = dir.resolve("ack-on-commit.yaml");
    Files.writeString(config, "storage:\n  ack-on-commit: true\n");
    Path data = dir.resolve("data");
    node = NodeProcess.start("kill", data, "--config", config.toString());
    String token = TestClients.mint(data, DEVICE, "app");

    Mqtt5AsyncClient device =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(DEVICE)
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort)
            .buildAsync();
    device
        .connectWith()
        .simpleAuth()
        .username(DEVICE)
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .get(10, TimeUnit.SECONDS);

    Set<Integer> acked = ConcurrentHashMap.newKeySet();
    Semaphore window = new Semaphore(64); // PUBLISHes in flight
    AtomicBoolean killed = new AtomicBoolean();
    List<CompletableFuture<?>> sends = new ArrayList<>();
    long started = System.nanoTime();
    int sent = 0;
    while (sent < MAX_READINGS && !killed.get()) {
      if (!window.tryAcquire(2, TimeUnit.SECONDS)) {
        break; // no PUBACK for 2 s: the node is gone
      }
      int seq = sent++;
      String body = "{\"ts\":" + (BASE_TS + seq) + ",\"metrics\":{\"seq\":" + seq + "}}";
      sends.add(
          device
              .publishWith()
              .topic("devices/" + DEVICE + "/telemetry")
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(body.getBytes(StandardCharsets.UTF_8))
              .send()
              .whenComplete(
                  (result, error) -> {
                    // acknowledged = a PUBACK without an error reason code
                    if (error == null && result.getError().isEmpty()) {
                      acked.add(seq);
                    }
                    window.release();
                  }));
      // mid-stream: once a good share is acknowledged, or after 4 s whatever the pace
      if (acked.size() >= 1_500 || System.nanoTime() - started > TimeUnit.SECONDS.toNanos(4)) {
        node.kill();
        killed.set(true);
      }
    }
    if (!killed.get()) {
      node.kill();
    }
    int sentAtKill = sent;
    // PUBACKs the node sent just before it died may still be read: they count as acknowledged
    device.disconnect();
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
        .exceptionally(e -> null)
        .get(30, TimeUnit.SECONDS);
    int ackedAtKill = acked.size();
    assertThat(ackedAtKill).as("readings acknowledged before the kill").isPositive();
    assertThat(sentAtKill).as("the kill came mid-stream").isGreaterThan(ackedAtKill);

    String log = node.output();
    node = NodeProcess.start("kill", data, "--config", config.toString());
    JsonArray rows = readings(token);
    Set<Integer> stored = new TreeSet<>();
    List<Integer> duplicates = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      JsonObject row = rows.getJsonObject(i);
      int seq = (int) row.getDouble("value").doubleValue();
      assertThat(row.getLong("ts")).as("timestamp of reading %d", seq).isEqualTo(BASE_TS + seq);
      if (!stored.add(seq)) {
        duplicates.add(seq);
      }
    }
    Set<Integer> lost = new TreeSet<>(acked);
    lost.removeAll(stored);
    System.out.printf(
        "storage-kill-it: %d sent, %d acknowledged, %d stored after kill -9 and restart%n",
        sentAtKill, ackedAtKill, stored.size());
    assertThat(lost)
        .as(
            "acknowledged readings missing after kill -9 (%d sent, %d acknowledged, %d stored);"
                + " log before the kill:%n%s",
            sentAtKill, ackedAtKill, stored.size(), log)
        .isEmpty();
    assertThat(duplicates).as("readings stored twice").isEmpty();
    assertThat(stored.size()).as("stored readings").isLessThanOrEqualTo(sentAtKill);
  }

  /** Every {@code seq} reading of the device, over REST from the restarted node. */
  private JsonArray readings(String token) throws Exception {
    String uri =
        "http://127.0.0.1:"
            + node.httpPort
            + "/api/v1/devices/"
            + DEVICE
            + "/telemetry?metric=seq&from="
            + BASE_TS
            + "&to="
            + (BASE_TS + MAX_READINGS)
            + "&limit=10000";
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(uri))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(20))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonArray(response.body());
  }
}
