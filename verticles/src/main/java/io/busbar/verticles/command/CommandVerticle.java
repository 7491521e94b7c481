package io.busbar.verticles.command;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.sparkplug.SparkplugCommands;
import io.busbar.codecs.sparkplug.SparkplugHostState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Sends commands to devices and answers with their responses (MQTT 5.0 §4.10 request/response).
 *
 * <p>For each request on {@link Addresses#COMMANDS} ({@link CommandRequest}): makes sure this
 * verticle receives {@code devices/+/commands/+/response} of the tenant through the broker's bus
 * bridge ({@link Addresses#MQTT_SUBSCRIBE}, once per tenant), then publishes {@code
 * {"correlationId", "params"}} to {@code devices/{device}/commands/{name}} at QoS 1 with response
 * topic {@code devices/{device}/commands/{name}/response}, correlation data = the correlation id
 * and content type {@code application/json} ({@link Addresses#MQTT_PUBLISH}). The first message on
 * the response topic that carries the correlation id (as correlation data, or as {@code
 * correlationId} in a JSON body for MQTT 3.1.1 devices) is the reply (see {@link
 * PendingCommands#responseBody}).
 *
 * <p>Failures, as {@link ReplyException} codes ({@link CommandFailure}): 400 bad request, 404 the
 * device is not connected (no session took the command; see {@link
 * CommandConfig#failWhenNotConnected()}), 409 duplicate correlation id in flight, 503 too many
 * pending or the broker unavailable, 504 no response within the timeout.
 *
 * <p>Sparkplug B (3.0 §6.4.16–6.4.17): a {@code write} or {@code rebirth} command to a device id
 * {@code group:edge} or {@code group:edge:device} is encoded as an NCMD/DCMD by {@link
 * SparkplugWrite} (datatypes from the shared {@link SparkplugHostState} when given) and published
 * at QoS 0, not retained, to {@code spBv1.0/{group}/NCMD/{edge}} or {@code
 * spBv1.0/{group}/DCMD/{edge}/{device}}. Sparkplug has no response: the reply is {@code {sent:
 * true, topic}} once the broker routed it (404 when no session took it and {@link
 * CommandConfig#failWhenNotConnected()}).
 *
 * <p>Deploy one instance per node, after the broker. Metrics: {@code busbar.commands.sent}, {@code
 * busbar.commands.completed{outcome=ok|bad_request|not_connected|duplicate|busy|timeout}}, {@code
 * busbar.commands.responses.unmatched} (responses for no waiting command: late, duplicate or
 * foreign), gauge {@code busbar.commands.pending}.
 */
public final class CommandVerticle extends VerticleBase {

  /** The filter of every command response in a tenant. */
  static final String RESPONSE_FILTER = "devices/+/commands/+/response";

  /** How much longer than the command timeout a bus request to the broker may take. */
  private static final long BROKER_TIMEOUT_MS = 5_000;

  private final CommandConfig config;
  private final MeterRegistry registry;
  private final SparkplugHostState sparkplugHost;
  private final String responseAddress = "busbar.commands.responses." + UUID.randomUUID();
  private final PendingCommands<Handle> pending = new PendingCommands<>();
  private final Map<String, Future<Void>> subscribedTenants = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Counter sent;
  private final Counter unmatched;
  private final Map<String, Counter> completed = new HashMap<>();
  private Gauge pendingGauge;

  /** What is kept per waiting command: where to reply and its timeout timer. */
  private record Handle(Message<Object> caller, long timer) {}

  public CommandVerticle(CommandConfig config, MeterRegistry registry) {
    this(config, registry, null);
  }

  /**
   * @param sparkplugHost the hub's shared Sparkplug host state, for the datatypes of metric writes;
   *     {@code null} to infer them from the JSON values
   */
  public CommandVerticle(
      CommandConfig config, MeterRegistry registry, SparkplugHostState sparkplugHost) {
    this.config = Objects.requireNonNull(config, "config");
    this.sparkplugHost = sparkplugHost;
    this.registry = Objects.requireNonNull(registry, "registry");
    this.sent =
        Counter.builder("busbar.commands.sent")
            .description("Commands published to devices")
            .register(registry);
    this.unmatched =
        Counter.builder("busbar.commands.responses.unmatched")
            .description("Responses that answered no waiting command (late, duplicate, foreign)")
            .register(registry);
    for (String outcome :
        List.of("ok", "bad_request", "not_connected", "duplicate", "busy", "timeout")) {
      completed.put(
          outcome,
          Counter.builder("busbar.commands.completed")
              .description("Commands answered, by outcome")
              .tag("outcome", outcome)
              .register(registry));
    }
  }

  @Override
  public Future<?> start() {
    pendingGauge =
        Gauge.builder("busbar.commands.pending", pending, PendingCommands::size)
            .description("Commands waiting for their device's response")
            .register(registry);
    var bus = vertx.eventBus();
    consumers.add(bus.consumer(Addresses.COMMANDS, this::onCommand));
    consumers.add(bus.<JsonObject>localConsumer(responseAddress, m -> onResponse(m.body())));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /** Unsubscribes from the broker, fails the waiting commands with 503, stops consuming. */
  @Override
  public Future<?> stop() {
    List<Future<?>> done = new ArrayList<>();
    for (String tenant : subscribedTenants.keySet()) {
      done.add(
          vertx
              .eventBus()
              .request(
                  Addresses.MQTT_UNSUBSCRIBE,
                  new JsonObject()
                      .put("tenant", tenant)
                      .put("filter", RESPONSE_FILTER)
                      .put("address", responseAddress))
              .recover(e -> Future.succeededFuture()));
    }
    consumers.forEach(c -> done.add(c.unregister()));
    if (pendingGauge != null) {
      registry.remove(pendingGauge);
    }
    return Future.all(done);
  }

  private void onCommand(Message<Object> message) {
    CommandRequest request;
    try {
      request = CommandRequest.fromJson(message.body());
    } catch (CommandFailure e) {
      fail(message, e);
      return;
    }
    if (SparkplugWrite.applies(request)) {
      onSparkplugCommand(message, request);
      return;
    }
    long timeout =
        request.timeoutMs() == 0 ? config.defaultTimeout().toMillis() : request.timeoutMs();
    if (timeout > config.maxTimeout().toMillis()) {
      fail(
          message,
          new CommandFailure(
              CommandFailure.BAD_REQUEST,
              "timeoutMs must be at most " + config.maxTimeout().toMillis() + ", got " + timeout));
      return;
    }
    if (pending.size() >= config.maxPending()) {
      fail(
          message,
          new CommandFailure(
              CommandFailure.BUSY, pending.size() + " commands are waiting for responses"));
      return;
    }
    long timer =
        vertx.setTimer(
            timeout,
            t -> {
              if (pending.remove(request.tenant(), request.correlationId()) != null) {
                fail(
                    message,
                    new CommandFailure(
                        CommandFailure.TIMEOUT,
                        "device "
                            + request.device()
                            + " did not respond to "
                            + request.name()
                            + " within "
                            + timeout
                            + " ms"));
              }
            });
    if (!pending.add(request, new Handle(message, timer))) {
      vertx.cancelTimer(timer);
      fail(
          message,
          new CommandFailure(
              CommandFailure.DUPLICATE,
              "a command with correlationId " + request.correlationId() + " is still waiting"));
      return;
    }
    subscribeResponses(request.tenant())
        .compose(v -> publish(request))
        .onComplete(
            ar -> {
              if (ar.succeeded() && (ar.result() > 0 || !config.failWhenNotConnected())) {
                sent.increment();
                return;
              }
              PendingCommands.Pending<Handle> p =
                  pending.remove(request.tenant(), request.correlationId());
              if (p == null) {
                return; // answered or timed out meanwhile
              }
              vertx.cancelTimer(p.handle().timer());
              fail(
                  message,
                  ar.succeeded()
                      ? new CommandFailure(
                          CommandFailure.NOT_CONNECTED,
                          "device "
                              + request.device()
                              + " is not connected (no session subscribed to "
                              + request.commandTopic()
                              + ")")
                      : new CommandFailure(
                          CommandFailure.BUSY,
                          "the broker did not take the command: " + ar.cause().getMessage()));
            });
  }

  /** Publishes a Sparkplug NCMD/DCMD and replies once the broker routed it (no response, §7.5). */
  private void onSparkplugCommand(Message<Object> message, CommandRequest request) {
    SparkplugCommands.Command command;
    try {
      command = SparkplugWrite.command(request, sparkplugHost, System.currentTimeMillis());
    } catch (CommandFailure e) {
      fail(message, e);
      return;
    }
    JsonObject publish =
        new JsonObject()
            .put("tenant", request.tenant())
            .put("topic", command.topic())
            .put("payload", Base64.getEncoder().encodeToString(command.payload()))
            .put("qos", command.qos())
            .put("retain", command.retain());
    vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.MQTT_PUBLISH,
            publish,
            new DeliveryOptions().setSendTimeout(BROKER_TIMEOUT_MS).setLocalOnly(true))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                fail(
                    message,
                    new CommandFailure(
                        CommandFailure.BUSY,
                        "the broker did not take the command: " + ar.cause().getMessage()));
              } else if (ar.result().body().getInteger("delivered", 0) == 0
                  && config.failWhenNotConnected()) {
                fail(
                    message,
                    new CommandFailure(
                        CommandFailure.NOT_CONNECTED,
                        "edge node "
                            + request.device()
                            + " is not connected (no session subscribed to "
                            + command.topic()
                            + ")"));
              } else {
                sent.increment();
                completed.get("ok").increment();
                message.reply(new JsonObject().put("sent", true).put("topic", command.topic()));
              }
            });
  }

  /** Subscribes this verticle to the tenant's command responses, once. */
  private Future<Void> subscribeResponses(String tenant) {
    Future<Void> subscribed = subscribedTenants.get(tenant);
    if (subscribed == null || subscribed.failed()) {
      subscribed =
          vertx
              .eventBus()
              .request(
                  Addresses.MQTT_SUBSCRIBE,
                  new JsonObject()
                      .put("tenant", tenant)
                      .put("filter", RESPONSE_FILTER)
                      .put("address", responseAddress)
                      .put("retained", false))
              .mapEmpty();
      subscribedTenants.put(tenant, subscribed);
    }
    return subscribed;
  }

  /** Publishes the command; the future holds the number of sessions it was handed to. */
  private Future<Integer> publish(CommandRequest request) {
    JsonObject publish =
        new JsonObject()
            .put("tenant", request.tenant())
            .put("topic", request.commandTopic())
            .put("payloadText", request.payload().encode())
            .put("qos", 1)
            .put("contentType", "application/json")
            .put("responseTopic", request.responseTopic())
            .put(
                "correlationData",
                Base64.getEncoder()
                    .encodeToString(request.correlationId().getBytes(StandardCharsets.UTF_8)));
    return vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.MQTT_PUBLISH,
            publish,
            new DeliveryOptions().setSendTimeout(BROKER_TIMEOUT_MS).setLocalOnly(true))
        .map(reply -> reply.body().getInteger("delivered", 0));
  }

  private void onResponse(JsonObject delivered) {
    PendingCommands.Pending<Handle> p = pending.match(delivered);
    if (p == null) {
      unmatched.increment();
      return;
    }
    vertx.cancelTimer(p.handle().timer());
    completed.get("ok").increment();
    p.handle().caller().reply(PendingCommands.responseBody(delivered));
  }

  private void fail(Message<Object> message, CommandFailure failure) {
    String outcome =
        switch (failure.code()) {
          case CommandFailure.BAD_REQUEST -> "bad_request";
          case CommandFailure.NOT_CONNECTED -> "not_connected";
          case CommandFailure.DUPLICATE -> "duplicate";
          case CommandFailure.TIMEOUT -> "timeout";
          default -> "busy";
        };
    completed.get(outcome).increment();
    message.fail(failure.code(), failure.getMessage());
  }

  /** The number of commands waiting for responses. */
  public int pendingCount() {
    return pending.size();
  }
}
