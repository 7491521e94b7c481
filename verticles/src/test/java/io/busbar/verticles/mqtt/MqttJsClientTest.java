package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.busbar.verticles.http.HttpConfig;
import io.busbar.verticles.http.HttpVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MQTT.js (the {@code mqtt} npm package, pinned in {@code src/test/mqttjs/package.json}) as a real
 * client: {@code src/test/mqttjs/scenarios.js} runs under Node.js against one broker, over TCP and
 * over WebSocket at {@code /mqtt} on the HTTP port, with MQTT 3.1.1 and 5.0, and prints what it
 * observed as JSON lines; the expectations (from the specs) are here. Like the other tests that
 * need a tool from outside Maven, the class is skipped with a message where Node.js or npm is
 * missing (CI's {@code .ci/run} installs them).
 */
@Timeout(180)
class MqttJsClientTest {

  private static final Path SOURCES = Path.of("src", "test", "mqttjs");
  private static final Path WORK = Path.of("target", "mqttjs");

  private static Vertx vertx;
  private static DevelopmentIssuer issuer;
  private static int mqttPort;
  private static int httpPort;

  @BeforeAll
  static void start() throws Exception {
    requireTool("node", "--version");
    requireTool("npm", "--version");
    installMqttJs();

    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    issuer = DevelopmentIssuer.loadOrCreate(vertx, Files.createTempDirectory("busbar-mqttjs"));
    MqttBrokerVerticle broker =
        new MqttBrokerVerticle(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withWebSocketPort(0),
            issuer.authenticator(),
            TopicAcl.defaults(),
            DecoderTable.defaults(),
            registry);
    vertx.deployVerticle(broker).await(10, TimeUnit.SECONDS);
    mqttPort = broker.actualPort();
    HttpVerticle http =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-mqttjs")
                .withMqttUpstream(
                    "127.0.0.1", broker.actualWebSocketPort(), MqttConfig.DEFAULT_MAX_MESSAGE_SIZE),
            new JsonObject(),
            registry);
    vertx.deployVerticle(http).await(10, TimeUnit.SECONDS);
    httpPort = http.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  static Stream<Arguments> transportsAndVersions() {
    return Stream.of(
        Arguments.of("tcp", 4),
        Arguments.of("tcp", 5),
        Arguments.of("ws", 4),
        Arguments.of("ws", 5));
  }

  /**
   * Verifies, with MQTT.js over {@code transport} speaking protocol level {@code version}: CONNACK
   * accepted for a token; a retained message delivered on subscribe; {@code +} and {@code #}
   * matching per MQTT §4.7 ({@code #} also matches its parent level, {@code +} one level only); QoS
   * 0/1/2 round trips acknowledged with PUBACK/PUBCOMP and delivered at min(published, granted)
   * QoS; and a will sent on an abrupt close but not after DISCONNECT. With 5.0 also: user
   * properties, content type, payload format, response topic and correlation data passed intact and
   * used for a reply; message expiry counted down and an expired retained message not delivered; a
   * client topic alias resolved; topic aliases from the broker only within what the client allows.
   */
  @ParameterizedTest(name = "{0} MQTT protocol level {1}")
  @MethodSource("transportsAndVersions")
  @Timeout(60)
  void mqttJsScenarios(String transport, int version) throws Exception {
    String url =
        transport.equals("ws")
            ? "ws://127.0.0.1:" + httpPort + "/mqtt"
            : "mqtt://127.0.0.1:" + mqttPort;
    String prefix = "mqttjs/" + transport + "-v" + version;
    Map<String, JsonObject> steps = runScenarios(url, version, prefix);
    assertThat(steps).containsKeys("connack", "retained", "wildcards", "will", "done");
    if (version == 5) {
      assertThat(steps).containsKeys("request-response", "expiry", "topic-alias");
    }

    JsonArray connacks = steps.get("connack").getJsonArray("clients");
    for (int i = 0; i < connacks.size(); i++) {
      assertThat(connacks.getJsonObject(i).getInteger("code")).as("CONNACK code").isZero();
      assertThat(connacks.getJsonObject(i).getBoolean("sessionPresent")).isFalse();
    }

    JsonObject retained = steps.get("retained");
    assertAcknowledged(retained.getJsonObject("published"));
    assertThat(qosOf(retained.getJsonArray("granted"))).containsExactly(1);
    JsonObject kept = retained.getJsonObject("message");
    assertThat(kept.getString("payload")).isEqualTo("kept");
    assertThat(kept.getBoolean("retain")).as("retain flag of a retained message").isTrue();
    assertThat(kept.getInteger("qos")).isEqualTo(1);

    JsonObject wildcards = steps.get("wildcards");
    assertThat(qosOf(wildcards.getJsonArray("granted"))).containsExactly(2, 2, 1);
    for (Object p : wildcards.getJsonArray("published")) {
      assertAcknowledged((JsonObject) p);
    }
    Map<String, Integer> delivered = new LinkedHashMap<>();
    for (Object m : wildcards.getJsonArray("received")) {
      JsonObject message = (JsonObject) m;
      String topic = message.getString("topic").substring(prefix.length());
      assertThat(delivered.put(topic, message.getInteger("qos")))
          .as("one delivery of %s", topic)
          .isNull();
      assertThat(message.getBoolean("retain")).as("retain flag on live %s", topic).isFalse();
    }
    assertThat(delivered)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "/plus/a/x", 0,
                "/hash", 1,
                "/hash/q1", 1,
                "/hash/deep/er/q2", 2,
                "/down/q2", 1,
                "/hash/zz-end", 2));

    if (version == 5) {
      checkServerTopicAliases(steps);
      checkRequestResponse(steps.get("request-response"), prefix);
      checkExpiry(steps.get("expiry"), prefix);
      checkTopicAlias(steps.get("topic-alias"), prefix);
    }

    JsonObject will = steps.get("will");
    assertThat(topics(will.getJsonArray("received"), prefix))
        .as("wills sent (none after a DISCONNECT)")
        .containsExactly("/will/gone");
    JsonObject gone = will.getJsonObject("message");
    assertThat(gone.getString("payload")).isEqualTo("connection lost");
    assertThat(gone.getInteger("qos")).isEqualTo(1);
    if (version == 5) {
      assertThat(gone.getJsonObject("properties").getString("contentType")).isEqualTo("text/plain");
      assertThat(gone.getJsonObject("properties").getJsonObject("userProperties").getString("why"))
          .isEqualTo("abrupt");
    }
  }

  /**
   * MQTT 5.0 §3.3.2.3.4: topic aliases the broker sends stay within the receiver's topic alias
   * maximum — the subscriber's, and none to the publisher, which announced none (§3.1.2.11.5).
   */
  private static void checkServerTopicAliases(Map<String, JsonObject> steps) {
    int maximum = steps.get("connack").getInteger("subscriberAliases");
    List<JsonObject> toSubscriber = new ArrayList<>();
    toSubscriber.add(steps.get("retained").getJsonObject("message"));
    toSubscriber.add(steps.get("request-response").getJsonObject("request"));
    for (String step : List.of("wildcards", "expiry", "topic-alias")) {
      steps.get(step).getJsonArray("received").forEach(m -> toSubscriber.add((JsonObject) m));
    }
    for (JsonObject message : toSubscriber) {
      Integer alias = message.getJsonObject("properties").getInteger("topicAlias");
      if (alias != null) {
        assertThat(alias).as("topic alias on %s", message).isBetween(1, maximum);
      }
    }
    JsonObject reply = steps.get("request-response").getJsonObject("reply");
    assertThat(reply.getJsonObject("properties").containsKey("topicAlias"))
        .as("a topic alias sent to a client allowing none: %s", reply)
        .isFalse();
  }

  /** MQTT 5.0 §3.3.2.3: properties forwarded unaltered; §4.10 request/response. */
  private static void checkRequestResponse(JsonObject step, String prefix) {
    assertAcknowledged(step.getJsonObject("published"));
    JsonObject request = step.getJsonObject("request");
    JsonObject properties = request.getJsonObject("properties");
    assertThat(request.getString("payload")).isEqualTo("{\"cmd\":\"status\"}");
    assertThat(properties.getJsonObject("userProperties").getString("site")).isEqualTo("plant-7");
    assertThat(properties.getJsonObject("userProperties").getJsonArray("line"))
        .containsExactly("a", "b");
    assertThat(properties.getString("responseTopic")).isEqualTo(prefix + "/reply/to-requester");
    assertThat(properties.getString("correlationData")).isEqualTo("c0ffee01");
    assertThat(properties.getString("contentType")).isEqualTo("application/json");
    assertThat(properties.getBoolean("payloadFormatIndicator")).isTrue();
    // §3.3.2.3.3: the interval sent on is what remains of the 600 s, never more
    assertThat(properties.getInteger("messageExpiryInterval")).isBetween(1, 600);
    JsonObject reply = step.getJsonObject("reply");
    assertThat(reply.getString("payload")).isEqualTo("ok");
    assertThat(reply.getJsonObject("properties").getString("correlationData"))
        .isEqualTo("c0ffee01");
  }

  /** MQTT 5.0 §3.3.2.3.3: an expired retained message is not delivered; the rest counts down. */
  private static void checkExpiry(JsonObject step, String prefix) {
    JsonArray received = step.getJsonArray("received");
    assertThat(topics(received, prefix))
        .as("retained messages after %d ms", step.getInteger("waitedMs"))
        .containsExactlyInAnyOrder("/expiry/long", "/expiry/zz-end");
    JsonObject kept =
        received.stream()
            .map(JsonObject.class::cast)
            .filter(m -> m.getString("topic").equals(prefix + "/expiry/long"))
            .findFirst()
            .orElseThrow();
    assertThat(kept.getBoolean("retain")).isTrue();
    assertThat(kept.getJsonObject("properties").getInteger("messageExpiryInterval"))
        .as("1 h less the seconds it waited in the broker")
        .isBetween(3_000, 3_599);
  }

  /** MQTT 5.0 §3.3.2.3.4: a topic alias set by the client, then used with an empty topic. */
  private static void checkTopicAlias(JsonObject step, String prefix) {
    assertThat(step.getInteger("topicAliasMaximum")).isPositive();
    for (Object p : step.getJsonArray("published")) {
      assertAcknowledged((JsonObject) p);
    }
    JsonArray received = step.getJsonArray("received");
    assertThat(topics(received, prefix)).containsExactly("/alias/t", "/alias/t");
    assertThat(received.stream().map(m -> ((JsonObject) m).getString("payload")))
        .containsExactly("first", "second");
  }

  /**
   * The publisher got the acknowledgements of its QoS (§4.3): none for 0, PUBACK for 1, PUBREC then
   * PUBCOMP for 2, each with a success reason code (absent, or below 0x80) in 5.0.
   */
  private static void assertAcknowledged(JsonObject published) {
    JsonArray acks = published.getJsonArray("acks");
    List<String> expected =
        switch (published.getInteger("qos")) {
          case 0 -> List.of();
          case 1 -> List.of("puback");
          default -> List.of("pubrec", "pubcomp");
        };
    assertThat(acks.stream().map(a -> ((JsonObject) a).getString("cmd")))
        .as("acknowledgements of %s", published)
        .containsExactlyElementsOf(expected);
    for (Object a : acks) {
      Integer reasonCode = ((JsonObject) a).getInteger("reasonCode");
      assertThat(reasonCode == null ? 0 : reasonCode).as("reason code of %s", a).isLessThan(0x80);
    }
  }

  private static List<Integer> qosOf(JsonArray granted) {
    return granted.stream().map(g -> ((JsonObject) g).getInteger("qos")).toList();
  }

  private static List<String> topics(JsonArray messages, String prefix) {
    return messages.stream()
        .map(m -> ((JsonObject) m).getString("topic").substring(prefix.length()))
        .toList();
  }

  /** Runs {@code scenarios.js} and returns its JSON lines by step; fails on an error line. */
  private static Map<String, JsonObject> runScenarios(String url, int version, String prefix)
      throws IOException, InterruptedException {
    String name = prefix.replace('/', '-');
    Path out = WORK.resolve(name + ".out");
    Path err = WORK.resolve(name + ".err");
    ProcessBuilder builder =
        new ProcessBuilder("node", "scenarios.js", url, Integer.toString(version), prefix)
            .directory(WORK.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().put("BUSBAR_USER", name);
    builder
        .environment()
        .put(
            "BUSBAR_TOKEN",
            issuer.mint(new TokenRequest(name, "default", Set.of("app"), Duration.ofMinutes(10))));
    Process node = builder.start();
    if (!node.waitFor(50, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      fail("scenarios.js did not finish; its output so far:\n" + Files.readString(out));
    }
    String stdout = Files.readString(out);
    String stderr = Files.readString(err);
    Map<String, JsonObject> steps = new LinkedHashMap<>();
    List<String> notJson = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      if (line.startsWith("{")) {
        JsonObject step = new JsonObject(line);
        steps.put(step.getString("step"), step);
      } else if (!line.isBlank()) {
        notJson.add(line);
      }
    }
    if (node.exitValue() != 0 || steps.containsKey("error")) {
      fail(
          "scenarios.js exited with "
              + node.exitValue()
              + " ("
              + url
              + ", protocol level "
              + version
              + "):\n"
              + stdout
              + stderr);
    }
    assertThat(notJson).as("non-JSON output of scenarios.js").isEmpty();
    return steps;
  }

  /** Copies the script and its lock file to target/ and installs the pinned MQTT.js there. */
  private static void installMqttJs() throws IOException, InterruptedException {
    Files.createDirectories(WORK);
    for (String file : List.of("package.json", "package-lock.json", "scenarios.js")) {
      Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    Path log = WORK.resolve("npm-ci.log");
    Process npm =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")
            .directory(WORK.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!npm.waitFor(150, TimeUnit.SECONDS)) {
      npm.destroyForcibly();
      fail("npm ci of MQTT.js did not finish in 150 s:\n" + Files.readString(log));
    }
    if (npm.exitValue() != 0) {
      fail(
          "npm ci of MQTT.js failed (is the npm registry reachable?):\n"
              + Files.readString(log, StandardCharsets.UTF_8));
    }
  }

  /** Skips the class with a clear message when {@code tool} is not on the PATH. */
  private static void requireTool(String tool, String versionFlag) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(tool, versionFlag).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor() != 0) {
        fail(tool + " " + versionFlag + " exited with " + p.exitValue());
      }
    } catch (IOException e) {
      Assumptions.abort(
          "MqttJsClientTest needs Node.js and npm on the PATH to run MQTT.js ("
              + tool
              + ": "
              + e.getMessage()
              + "). Install them (Debian/Ubuntu: apt-get install nodejs npm; .ci/run does).");
    }
  }
}
