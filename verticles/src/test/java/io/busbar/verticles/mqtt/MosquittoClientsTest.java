package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Eclipse Mosquitto command-line clients ({@code mosquitto_pub}, {@code mosquitto_sub}, {@code
 * mosquitto_rr}, package {@code mosquitto-clients}) as real clients of one broker, with MQTT 3.1.1
 * ({@code -V mqttv311}) and 5.0 ({@code -V mqttv5}). Each client runs as a process with {@code -d},
 * whose debug lines tell when a subscription is in place ("Subscribed (mid: 1): …") and what came
 * over the wire (QoS and retain flag of each PUBLISH, reason codes of the acknowledgements); the
 * other lines are what the client printed for the messages ({@code -v} or {@code -F}). The class is
 * skipped with a message where the clients are not installed (CI's {@code .ci/run} installs them).
 * Every process is killed after each test.
 */
@Timeout(60)
class MosquittoClientsTest {

  private static final String TENANT = "acme";
  private static final long WAIT_SECONDS = 15;

  /** "received PUBLISH (d0, q1, r0, m1, 'a/b/c', ... (2 bytes))" of a {@code -d} client. */
  private static final Pattern RECEIVED_PUBLISH =
      Pattern.compile("received PUBLISH \\(d\\d, q(\\d), r(\\d), m\\d+, '(.*)', \\.\\.\\. \\(");

  private static final List<Tool> STARTED = new CopyOnWriteArrayList<>();

  private static BrokerFixture broker;
  private static String appName;
  private static String appToken;

  @BeforeAll
  static void start() {
    for (String tool : List.of("stdbuf", "mosquitto_pub", "mosquitto_sub", "mosquitto_rr")) {
      requireTool(tool);
    }
    broker = BrokerFixture.start();
    appName = BrokerFixture.uniqueId("mosq-app");
    appToken = broker.appToken(appName, TENANT);
  }

  @AfterEach
  void killProcesses() {
    for (Tool t : STARTED) {
      t.process.destroyForcibly();
    }
    STARTED.clear();
  }

  @AfterAll
  static void stop() {
    for (Tool t : STARTED) {
      t.process.destroyForcibly();
    }
    if (broker != null) {
      broker.close();
    }
  }

  /**
   * Verifies {@code +} and {@code #} matching (MQTT §4.7: {@code #} also matches its parent level,
   * {@code +} exactly one level), QoS 0/1/2 flows acknowledged as each version says (PUBACK,
   * PUBREC/PUBREL/PUBCOMP), delivery at min(published, granted) QoS (§3.8.4), one copy for
   * overlapping subscriptions, and the retain flag 0 on live messages (§3.3.1.3).
   */
  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {4, 5})
  void wildcardsAtEachQos(int version) throws Exception {
    String p = prefix(version, "wild");
    Tool atTwo =
        subscribe(version, "-q", "2", "-v", "-C", "5", "-t", p + "/a/+/c", "-t", p + "/a/#");
    assertThat(atTwo.subscribed()).as("granted QoS").isEqualTo("2, 2");
    Tool atOne = subscribe(version, "-q", "1", "-v", "-C", "5", "-t", p + "/a/#");

    Tool zero = publish(version, "-q", "0", "-t", p + "/a/b/c", "-m", "zero");
    Tool one = publish(version, "-q", "1", "-t", p + "/a/x/c", "-m", "one");
    Tool two = publish(version, "-q", "2", "-t", p + "/a/b/c/d", "-m", "two");
    publish(version, "-q", "1", "-t", p + "/a", "-m", "parent");
    Tool nobody = publish(version, "-q", "1", "-t", p + "/b/b/c", "-m", "nobody");
    publish(version, "-q", "2", "-t", p + "/x/a/end", "-m", "unmatched");
    publish(version, "-q", "2", "-t", p + "/a/end", "-m", "end");

    assertThat(zero.debug()).noneMatch(l -> l.contains("PUBACK") || l.contains("PUBREC"));
    assertThat(one.debug()).anyMatch(l -> l.contains("received PUBACK (Mid: 1, RC:0)"));
    assertThat(two.debug())
        .anyMatch(l -> l.contains("received PUBREC (Mid: 1"))
        .anyMatch(l -> l.contains("sending PUBREL (m1)"))
        .anyMatch(l -> l.contains("received PUBCOMP (Mid: 1, RC:0)"));
    // MQTT 5.0 §3.4.2.1: 0x10 no matching subscribers, still a success (mosquitto_pub -d prints
    // the reason code of a PUBACK, not of a PUBREC)
    assertThat(nobody.debug())
        .anyMatch(l -> l.contains("received PUBACK (Mid: 1, RC:" + (version == 5 ? 16 : 0) + ")"));

    for (Tool sub : List.of(atTwo, atOne)) {
      assertThat(sub.awaitExit()).as("exit code of %s", sub).isZero();
      assertThat(sub.messages())
          .containsExactlyInAnyOrder(
              p + "/a/b/c zero",
              p + "/a/x/c one",
              p + "/a/b/c/d two",
              p + "/a parent",
              p + "/a/end end");
    }
    Map<String, Integer> expectedAtTwo =
        Map.of(p + "/a/b/c", 0, p + "/a/x/c", 1, p + "/a/b/c/d", 2, p + "/a", 1, p + "/a/end", 2);
    assertThat(qosByTopic(atTwo)).isEqualTo(expectedAtTwo);
    Map<String, Integer> expectedAtOne =
        Map.of(p + "/a/b/c", 0, p + "/a/x/c", 1, p + "/a/b/c/d", 1, p + "/a", 1, p + "/a/end", 1);
    assertThat(qosByTopic(atOne)).isEqualTo(expectedAtOne);
    for (Tool sub : List.of(atTwo, atOne)) {
      assertThat(sub.received()).extracting(r -> r.retain).as("retain flags").containsOnly(0);
    }
  }

  /**
   * Verifies retained messages (MQTT §3.3.1.3): set, replaced, delivered with the retain flag to a
   * later subscriber ({@code --retained-only}), and cleared by an empty retained PUBLISH ({@code -r
   * -n}), which a live subscriber still gets as an empty message.
   */
  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {4, 5})
  void retainedSetReplaceClear(int version) throws Exception {
    String p = prefix(version, "retained");
    publish(version, "-r", "-q", "1", "-t", p + "/one", "-m", "first");
    publish(version, "-r", "-q", "1", "-t", p + "/one", "-m", "second");
    publish(version, "-r", "-q", "2", "-t", p + "/two", "-m", "kept");

    Tool later = subscribe(version, "-q", "1", "-v", "--retained-only", "-C", "2", "-t", p + "/#");
    assertThat(later.awaitExit()).isZero();
    assertThat(later.messages()).containsExactlyInAnyOrder(p + "/one second", p + "/two kept");
    assertThat(later.received()).extracting(r -> r.retain).containsOnly(1);

    Tool live =
        subscribe(version, "-q", "1", "-R", "-F", "MSG %t|%l|%r", "-C", "1", "-t", p + "/one");
    publish(version, "-r", "-n", "-q", "1", "-t", p + "/one");
    assertThat(live.awaitExit()).isZero();
    assertThat(live.messages()).containsExactly("MSG " + p + "/one|0|0");

    Tool afterClear = subscribe(version, "-q", "1", "-v", "--retained-only", "-t", p + "/#");
    // the first message without the retain flag ends a --retained-only subscriber
    publish(version, "-q", "1", "-t", p + "/end", "-m", "end");
    assertThat(afterClear.awaitExit()).isZero();
    assertThat(afterClear.messages()).containsExactly(p + "/two kept");
  }

  /**
   * Verifies that many messages from one {@code mosquitto_pub -l} (one per line of its input) at
   * QoS 1 all arrive, once each, in the order they were published (MQTT §4.6).
   */
  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {4, 5})
  void linesArriveInOrder(int version) throws Exception {
    String p = prefix(version, "lines");
    int count = 500;
    Tool sub = subscribe(version, "-q", "1", "-C", Integer.toString(count), "-t", p);
    List<String> lines =
        IntStream.range(0, count).mapToObj(i -> String.format("line %04d", i)).toList();
    Tool pub = start("mosquitto_pub", version, appName, appToken, "-q", "1", "-l", "-t", p);
    try (OutputStream in = pub.process.getOutputStream()) {
      in.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    assertThat(pub.awaitExit()).as("exit code of mosquitto_pub -l").isZero();
    assertThat(sub.awaitExit()).isZero();
    assertThat(sub.messages()).containsExactlyElementsOf(lines);
    assertThat(sub.received()).extracting(r -> r.qos).containsOnly(1);
  }

  /**
   * Verifies that the will of a client whose process is killed (no DISCONNECT) is published, and
   * that the will of a client ending with DISCONNECT is not (MQTT 3.1.1 §3.1.2.5, 5.0 §3.1.2.5).
   */
  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {4, 5})
  void willOnKill(int version) throws Exception {
    String p = prefix(version, "will");
    Tool watcher = subscribe(version, "-q", "1", "-v", "-C", "2", "-t", p + "/#");

    Tool polite =
        publish(
            version,
            "--will-topic",
            p + "/polite",
            "--will-payload",
            "should not be sent",
            "--will-qos",
            "1",
            "-t",
            p + "/hello",
            "-m",
            "hello");
    assertThat(polite.debug()).anyMatch(l -> l.contains("sending DISCONNECT"));
    Tool victim =
        subscribe(
            version,
            "--will-topic",
            p + "/gone",
            "--will-payload",
            "connection lost",
            "--will-qos",
            "1",
            "-t",
            p + "/nothing/here");
    victim.process.destroyForcibly();
    watcher.awaitLine(l -> l.equals(p + "/gone connection lost"), "the will of the killed client");

    assertThat(watcher.awaitExit()).isZero();
    assertThat(watcher.messages()).containsExactly(p + "/hello hello", p + "/gone connection lost");
    assertThat(watcher.received())
        .filteredOn(r -> r.topic.equals(p + "/gone"))
        .extracting(r -> r.qos)
        .containsExactly(1);
  }

  /**
   * Verifies that MQTT 5 user properties (in order, repeated keys kept), content type and payload
   * format indicator set with {@code -D publish …} reach a {@code mosquitto_sub} intact (MQTT 5.0
   * §3.3.2.3.2, §3.3.2.3.7, §3.3.2.3.9).
   */
  @Test
  void userPropertiesAndContentType() throws Exception {
    String p = prefix(5, "props");
    Tool sub = subscribe(5, "-q", "1", "-F", "MSG %t|%P|%C|%F|%p", "-C", "1", "-t", p);
    publish(
        5,
        "-q",
        "1",
        "-t",
        p,
        "-m",
        "{\"t\":21.5}",
        "-D",
        "publish",
        "user-property",
        "site",
        "plant-7",
        "-D",
        "publish",
        "user-property",
        "line",
        "a",
        "-D",
        "publish",
        "user-property",
        "line",
        "b",
        "-D",
        "publish",
        "content-type",
        "application/json",
        "-D",
        "publish",
        "payload-format-indicator",
        "1");
    assertThat(sub.awaitExit()).isZero();
    assertThat(sub.messages())
        .containsExactly(
            "MSG " + p + "|site:plant-7 line:a line:b|application/json|1|{\"t\":21.5}");
  }

  /**
   * Verifies that a retained message published with a message expiry interval of 1 s is not
   * delivered to a subscriber 2 s later, while one with an hour left is, its interval counted down
   * (MQTT 5.0 §3.3.2.3.3); the subscriber speaks {@code version}, the publisher 5.0.
   */
  @ParameterizedTest(name = "subscriber MQTT {0}")
  @ValueSource(ints = {4, 5})
  void expiredRetainedMessageNotDelivered(int version) throws Exception {
    String p = prefix(version, "expiry");
    publish(
        5,
        "-r",
        "-q",
        "1",
        "-t",
        p + "/short",
        "-m",
        "short",
        "-D",
        "publish",
        "message-expiry-interval",
        "1");
    publish(
        5,
        "-r",
        "-q",
        "1",
        "-t",
        p + "/long",
        "-m",
        "long",
        "-D",
        "publish",
        "message-expiry-interval",
        "3600");
    Thread.sleep(2_000);
    Tool sub =
        subscribe(version, "-q", "1", "-F", "MSG %t|%E|%r|%p", "--retained-only", "-t", p + "/#");
    publish(5, "-q", "1", "-t", p + "/end", "-m", "end");
    assertThat(sub.awaitExit()).isZero();
    List<String> messages = sub.messages();
    assertThat(messages).hasSize(1);
    String[] fields = messages.get(0).split("\\|");
    assertThat(fields[0]).isEqualTo("MSG " + p + "/long");
    if (version == 5) {
      assertThat(Integer.parseInt(fields[1]))
          .as("the hour less the seconds it waited in the broker")
          .isBetween(3000, 3598);
    } else {
      assertThat(fields[1]).as("no properties in 3.1.1").isEmpty();
    }
    assertThat(fields[2]).isEqualTo("1");
    assertThat(fields[3]).isEqualTo("long");
  }

  /**
   * Verifies MQTT 5 request/response (MQTT 5.0 §4.10) with {@code mosquitto_rr}: the request
   * reaches a responder (a HiveMQ client) with its response topic and correlation data, and the
   * answer published there with the same correlation data reaches {@code mosquitto_rr}.
   */
  @Test
  void requestResponseWithMosquittoRr() throws Exception {
    String p = prefix(5, "rr");
    Mqtt5BlockingClient responder =
        broker.connectV5(BrokerFixture.uniqueId("responder"), appName, appToken);
    CompletableFuture<Mqtt5Publish> request = new CompletableFuture<>();
    try {
      responder
          .toAsync()
          .subscribeWith()
          .topicFilter(p + "/request")
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(
              req -> {
                request.complete(req);
                responder
                    .toAsync()
                    .publishWith()
                    .topic(req.getResponseTopic().orElseThrow())
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .correlationData(req.getCorrelationData().orElse(null))
                    .payload(("pong:" + text(req.getPayloadAsBytes())).getBytes())
                    .send();
              })
          .send()
          .get(WAIT_SECONDS, TimeUnit.SECONDS);
      Tool rr =
          start(
              "mosquitto_rr",
              5,
              appName,
              appToken,
              "-q",
              "1",
              "-t",
              p + "/request",
              "-e",
              p + "/response",
              "-m",
              "ping",
              "-D",
              "publish",
              "correlation-data",
              "c0ffee-42",
              "-F",
              "MSG %t|%D|%p");
      assertThat(rr.awaitExit()).as("exit code of mosquitto_rr").isZero();
      Mqtt5Publish seen = request.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(seen.getResponseTopic().orElseThrow().toString()).isEqualTo(p + "/response");
      assertThat(text(seen.getCorrelationData().orElseThrow())).isEqualTo("c0ffee-42");
      assertThat(text(seen.getPayloadAsBytes())).isEqualTo("ping");
      assertThat(rr.messages()).containsExactly("MSG " + p + "/response|c0ffee-42|pong:ping");
    } finally {
      responder.disconnect();
    }
  }

  /**
   * Verifies that a device publishing to another device's topic is refused as each version says —
   * 5.0: PUBACK 0x87 not authorized (§3.4.2.1); 3.1.1, which has no negative PUBACK: acknowledged
   * and dropped — and never delivered, that its own topic works, and that subscribing to another
   * device's commands is refused in the SUBACK (3.1.1 0x80, 5.0 0x87; §3.9.3).
   */
  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(ints = {4, 5})
  void deniedTopic(int version) throws Exception {
    String device = BrokerFixture.uniqueId("mosq-dev");
    String other = BrokerFixture.uniqueId("mosq-dev");
    String token = broker.deviceToken(device, TENANT);
    Tool watcher =
        subscribe(
            version,
            "-q",
            "1",
            "-v",
            "-C",
            "1",
            "-t",
            "devices/" + other + "/#",
            "-t",
            "devices/" + device + "/#");

    Tool forged =
        start(
            "mosquitto_pub",
            version,
            device,
            token,
            "-q",
            "1",
            "-t",
            "devices/" + other + "/telemetry",
            "-m",
            "forged");
    // mosquitto_pub ends with 0 either way: a refused PUBLISH is a warning to it
    assertThat(forged.awaitExit()).isZero();
    if (version == 5) {
      assertThat(forged.debug()).anyMatch(l -> l.contains("received PUBACK (Mid: 1, RC:135)"));
      // mosquitto_pub prints the reason code's name, then the reason string (§3.4.2.2.2)
      assertThat(forged.messages())
          .containsExactly(
              "Warning: Publish 1 failed: Not authorized.",
              "not authorized to publish to this topic");
    } else {
      assertThat(forged.debug()).anyMatch(l -> l.contains("received PUBACK (Mid: 1, RC:0)"));
      assertThat(forged.messages()).isEmpty();
    }
    Tool own =
        start(
            "mosquitto_pub",
            version,
            device,
            token,
            "-q",
            "1",
            "-t",
            "devices/" + device + "/telemetry",
            "-m",
            "own");
    assertThat(own.awaitExit()).isZero();
    assertThat(watcher.awaitExit()).isZero();
    assertThat(watcher.messages()).containsExactly("devices/" + device + "/telemetry own");

    Tool spy =
        start(
            "mosquitto_sub",
            version,
            device,
            token,
            "-q",
            "1",
            "-t",
            "devices/" + other + "/commands/#");
    assertThat(spy.awaitLine(l -> l.startsWith("Subscribed (mid:"), "the SUBACK"))
        .endsWith(version == 5 ? ": 135" : ": 128");
  }

  // ---------------------------------------------------------------------------------------------

  private static String prefix(int version, String test) {
    return "mosq/v" + version + "/" + test + "-" + BrokerFixture.uniqueId("t");
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String text(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return text(bytes);
  }

  private static Map<String, Integer> qosByTopic(Tool sub) {
    Map<String, Integer> qos = new LinkedHashMap<>();
    for (Received r : sub.received()) {
      assertThat(qos.put(r.topic, r.qos)).as("one delivery of %s", r.topic).isNull();
    }
    return qos;
  }

  /** A {@code mosquitto_sub} of the app, started and with its SUBACK received. */
  private static Tool subscribe(int version, String... args) throws IOException {
    Tool sub = start("mosquitto_sub", version, appName, appToken, args);
    sub.awaitLine(l -> l.startsWith("Subscribed (mid:"), "the SUBACK");
    return sub;
  }

  /** A {@code mosquitto_pub} of the app, run to its end with exit code 0. */
  private static Tool publish(int version, String... args)
      throws IOException, InterruptedException {
    Tool pub = start("mosquitto_pub", version, appName, appToken, args);
    assertThat(pub.awaitExit()).as("exit code of %s", pub).isZero();
    return pub;
  }

  private static Tool start(String tool, int version, String user, String token, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    // stdbuf: the clients' debug lines are printed through stdio, block-buffered into a pipe
    command.addAll(
        List.of(
            "stdbuf",
            "-oL",
            tool,
            "-h",
            "127.0.0.1",
            "-p",
            Integer.toString(broker.port),
            "-V",
            version == 5 ? "mqttv5" : "mqttv311",
            "-u",
            user,
            "-P",
            token,
            "-d"));
    command.addAll(List.of(args));
    Tool t = new Tool(command);
    STARTED.add(t);
    return t;
  }

  /** Skips the class with a clear message when {@code tool} is not on the PATH. */
  private static void requireTool(String tool) {
    try {
      Process p = new ProcessBuilder(tool, "--help").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      p.waitFor(); // --help exits with 1
    } catch (IOException e) {
      Assumptions.abort(
          "MosquittoClientsTest needs the Mosquitto command-line clients on the PATH ("
              + tool
              + ": "
              + e.getMessage()
              + "). Install them (Debian/Ubuntu: apt-get install mosquitto-clients; .ci/run does).");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** One PUBLISH a {@code -d} client logged as received. */
  private record Received(String topic, int qos, int retain) {}

  /** A started client process whose output (stdout and stderr) is read as it comes. */
  private static final class Tool {
    final List<String> command;
    final Process process;
    final List<String> lines = new ArrayList<>();
    final Thread reader;

    Tool(List<String> command) throws IOException {
      this.command = command;
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      reader = new Thread(this::read, "read " + command.get(2));
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          synchronized (this) {
            lines.add(line);
            notifyAll();
          }
        }
      } catch (IOException e) {
        // the process was killed; what was read stays
      }
    }

    /** The first line matching, waiting for it; fails with the output so far when none comes. */
    synchronized String awaitLine(Predicate<String> matching, String what) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          if (matching.test(lines.get(seen))) {
            return lines.get(seen);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
          fail(this + " printed no line for " + what + ":\n" + String.join("\n", lines));
        }
        try {
          wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }

    /** Waits for the process to end and its output to be read; returns its exit code. */
    int awaitExit() throws InterruptedException {
      if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        reader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        fail(this + " did not end; its output:\n" + String.join("\n", output()));
      }
      reader.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      return process.exitValue();
    }

    synchronized List<String> output() {
      return List.copyOf(lines);
    }

    /** The debug lines of {@code -d}. */
    List<String> debug() {
      return output().stream().filter(Tool::isDebug).toList();
    }

    /** What the client printed for the messages (every line but the debug ones). */
    List<String> messages() {
      return output().stream().filter(l -> !isDebug(l)).toList();
    }

    /** The SUBACK's granted QoS / reason codes, as printed: "1, 2". */
    String subscribed() {
      String line = awaitLine(l -> l.startsWith("Subscribed (mid:"), "the SUBACK");
      return line.substring(line.indexOf("): ") + 3);
    }

    List<Received> received() {
      List<Received> received = new ArrayList<>();
      for (String line : output()) {
        Matcher m = RECEIVED_PUBLISH.matcher(line);
        if (isDebug(line) && m.find()) {
          received.add(
              new Received(m.group(3), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
        }
      }
      return received;
    }

    private static boolean isDebug(String line) {
      return line.startsWith("Client ") || line.startsWith("Subscribed (mid:");
    }

    @Override
    public String toString() {
      // the token (after -P) is left out
      List<String> shown = new ArrayList<>(command.subList(2, command.size())); // no stdbuf -oL
      int password = shown.indexOf("-P");
      if (password >= 0) {
        shown.set(password + 1, "<token>");
      }
      return String.join(" ", shown);
    }
  }
}
