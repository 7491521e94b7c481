package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.busbar.security.jwt.TokenRequest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The SockJS event-bus bridge at {@code /eventbus}, over its raw WebSocket transport ({@code
 * /eventbus/websocket}) with the bridge's JSON frames, authentication on.
 */
@Timeout(30)
class EventBusBridgeTest {

  private static Vertx vertx;
  private static PrometheusMeterRegistry registry;
  private static DevelopmentIssuer issuer;
  private static WebSocketClient ws;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    issuer = DevelopmentIssuer.loadOrCreate(vertx, Files.createTempDirectory("busbar-bridge"));
    HttpVerticle verticle =
        new HttpVerticle(
            new HttpConfig("127.0.0.1", 0, "node-bridge", true),
            new JsonObject(),
            registry,
            issuer.authenticator());
    vertx.deployVerticle(verticle).await(10, TimeUnit.SECONDS);
    port = verticle.actualPort();
    ws = vertx.createWebSocketClient();
    // a stand-in for the command verticle: answers with the tenant it was given
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.COMMANDS,
            m ->
                m.reply(
                    new JsonObject()
                        .put("status", "DONE")
                        .put("device", m.body().getString("device"))
                        .put("tenant", m.body().getString("tenant"))))
        .completion()
        .await(5, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String token(String subject, String role) {
    return issuer.mint(new TokenRequest(subject, "acme", Set.of(role), Duration.ofHours(1)));
  }

  private static WebSocket open(String token, BlockingQueue<JsonObject> frames) throws Exception {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI("/eventbus/websocket");
    if (token != null) {
      options.addHeader("Authorization", "Bearer " + token);
    }
    WebSocket socket = ws.connect(options).await(5, TimeUnit.SECONDS);
    socket.handler(data -> frames.add(data.toJsonObject()));
    return socket;
  }

  private static Event event(String tenant, String device) {
    return new Event(
        tenant,
        device,
        "temperature",
        1_717_000_000_000L,
        Value.of(21.5),
        Quality.GOOD,
        "°C",
        "devices/" + device + "/telemetry");
  }

  /** Verifies that a viewer receives its tenant's readings as JSON, and no other tenant's. */
  @Test
  void viewerReceivesOwnTenantsEvents() throws Exception {
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    WebSocket socket = open(token("alice", "viewer"), frames);
    socket
        .writeTextMessage(
            new JsonObject().put("type", "register").put("address", Addresses.EVENTS).encode())
        .await(5, TimeUnit.SECONDS);
    EventBatch batch = new EventBatch(List.of(event("other", "x9"), event("acme", "m1")));
    // registration has no acknowledgement: publish until the first batch arrives
    long timer = vertx.setPeriodic(100, id -> vertx.eventBus().publish(Addresses.EVENTS, batch));
    try {
      JsonObject frame = frames.poll(5, TimeUnit.SECONDS);
      assertThat(frame).isNotNull();
      assertThat(frame.getString("type")).isEqualTo("rec");
      assertThat(frame.getString("address")).isEqualTo(Addresses.EVENTS);
      JsonArray readings = frame.getJsonArray("body");
      assertThat(readings).hasSize(1);
      assertThat(readings.getJsonObject(0).getString("device")).isEqualTo("m1");
      assertThat(readings.getJsonObject(0).getDouble("value")).isEqualTo(21.5);
    } finally {
      vertx.cancelTimer(timer);
      socket.close();
    }
  }

  /** Verifies that a viewer may not send a command: the bridge's rejected error, counted. */
  @Test
  void viewerCannotSendCommands() throws Exception {
    double before = refused("role");
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    WebSocket socket = open(token("bob", "viewer"), frames);
    try {
      socket.writeTextMessage(command("m1", "r-viewer").encode());
      JsonObject frame = frames.poll(5, TimeUnit.SECONDS);
      assertThat(frame).isNotNull();
      assertThat(frame.getString("type")).isEqualTo("err");
      assertThat(frame.getString("body")).isEqualTo("rejected");
      assertThat(refused("role")).isEqualTo(before + 1);
    } finally {
      socket.close();
    }
  }

  /** Verifies that an operator's command reaches the command address with its tenant. */
  @Test
  void operatorSendsCommandAndGetsReply() throws Exception {
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    WebSocket socket = open(token("carol", "operator"), frames);
    try {
      JsonObject command = command("m2", "r-operator");
      // a claimed tenant is replaced by the token's
      command.getJsonObject("body").put("tenant", "other");
      socket.writeTextMessage(command.encode());
      JsonObject frame = frames.poll(5, TimeUnit.SECONDS);
      assertThat(frame).isNotNull();
      assertThat(frame.getString("type")).isEqualTo("rec");
      assertThat(frame.getString("address")).isEqualTo("r-operator");
      assertThat(frame.getJsonObject("body").getString("device")).isEqualTo("m2");
      assertThat(frame.getJsonObject("body").getString("tenant")).isEqualTo("acme");
    } finally {
      socket.close();
    }
  }

  /** Verifies that a command without a device is refused as a bad body. */
  @Test
  void malformedCommandIsRefused() throws Exception {
    double before = refused("body");
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    WebSocket socket = open(token("dave", "operator"), frames);
    try {
      socket.writeTextMessage(
          new JsonObject()
              .put("type", "send")
              .put("address", Addresses.COMMANDS)
              .put("body", new JsonObject().put("name", "reboot"))
              .put("replyAddress", "r-bad")
              .encode());
      JsonObject frame = frames.poll(5, TimeUnit.SECONDS);
      assertThat(frame).isNotNull();
      assertThat(frame.getString("type")).isEqualTo("err");
      assertThat(refused("body")).isEqualTo(before + 1);
    } finally {
      socket.close();
    }
  }

  /** Verifies that the bridge needs a token: the upgrade is refused with 401. */
  @Test
  void noTokenIsRefused() throws Exception {
    Object outcome =
        ws.connect(
                new WebSocketConnectOptions()
                    .setHost("127.0.0.1")
                    .setPort(port)
                    .setURI("/eventbus/websocket"))
            .map(Object.class::cast)
            .otherwise(e -> e)
            .await(5, TimeUnit.SECONDS);
    assertThat(outcome).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) outcome).getStatus()).isEqualTo(401);
  }

  private static JsonObject command(String device, String replyAddress) {
    return new JsonObject()
        .put("type", "send")
        .put("address", Addresses.COMMANDS)
        .put(
            "body",
            new JsonObject()
                .put("device", device)
                .put("name", "reboot")
                .put("params", new JsonObject()))
        .put("replyAddress", replyAddress);
  }

  private static double refused(String reason) {
    var counter = registry.find("busbar.http.eventbus.refused").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }
}
