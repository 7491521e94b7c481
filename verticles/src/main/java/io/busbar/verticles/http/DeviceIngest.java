package io.busbar.verticles.http;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.Principal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code POST /api/v1/devices/{id}/telemetry}: a device (or a backend app for it) writes readings
 * over HTTP, with the guarantee of an MQTT QoS 1 PUBLISH. The body is decoded by the broker's own
 * {@link DecoderTable} as if published on {@code devices/{id}/telemetry}, the {@code Content-Type}
 * choosing the decoder as the MQTT 5 content type does ({@code application/json}, {@code
 * application/cbor}); the events then take the path of MQTT telemetry: offered to the local store
 * on {@link Addresses#STORAGE_INGEST} first, then published as one {@link EventBatch} on {@link
 * Addresses#EVENTS} with {@link Addresses#STORED_BY_HEADER} (live state, {@code /ws}, Kafka), and
 * the original body goes to the node's MQTT broker on {@link Addresses#MQTT_INGESTED}, which routes
 * it to MQTT subscribers of {@code devices/{id}/telemetry} as a QoS 1 publish by the device.
 *
 * <p>Answers:
 *
 * <ul>
 *   <li>202 {@code {device, readings, committed}} once the store has taken the readings (queued, or
 *       committed to disk with {@code storage.ack-on-commit}); without a local store, once
 *       published, as the MQTT path acknowledges then too. Not yet queryable until the store's next
 *       write (hence 202, not 201);
 *   <li>400 problem when the body cannot be decoded; it also goes to {@link Addresses#DEAD_LETTERS}
 *       with the decoder's reason, as on MQTT;
 *   <li>413 when the body is larger than {@link IngestConfig#maxBodySize()} (or holds more readings
 *       than the store's whole queue);
 *   <li>415 when no decoder reads the {@code Content-Type} (or there is none), with {@code
 *       Accept-Post} listing those read (W3C LDP §4.2.3.14, as RFC 9110 §15.5.16 suggests);
 *   <li>503 with {@code Retry-After} when the store's queue is full or it did not answer in time:
 *       nothing is acknowledged that the store has not taken, so the device retries (at least once,
 *       like QoS 1).
 * </ul>
 *
 * Every answer is counted in {@code busbar.http.ingest.requests} (tag {@code outcome}), accepted
 * readings in {@code busbar.http.ingest.readings}. Runs on the HTTP verticle's event loop; never
 * blocks (decoders are pure, the store is asked over the event bus).
 */
final class DeviceIngest {

  /** Seconds a refused device should wait before it retries (RFC 9110 §10.2.3). */
  static final String RETRY_AFTER_SECONDS = "1";

  /** Routing-context key of the resolved decoder. */
  private static final String MATCH = "busbar.ingest.match";

  /** The store is on this node, as for MQTT ({@link Addresses#STORAGE_INGEST} is local only). */
  private static final DeliveryOptions OFFER =
      new DeliveryOptions().setLocalOnly(true).setSendTimeout(HttpVerticle.BUS_TIMEOUT_MS);

  /** The broker of this node routes it; its cluster routing reaches the others. */
  private static final DeliveryOptions TO_BROKER = new DeliveryOptions().setLocalOnly(true);

  private final EventBus bus;
  private final IngestConfig config;
  private final MeterRegistry registry;
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private final Counter readings;

  DeviceIngest(EventBus bus, IngestConfig config, MeterRegistry registry) {
    this.bus = bus;
    this.config = config;
    this.registry = registry;
    this.readings =
        Counter.builder("busbar.http.ingest.readings")
            .description("Readings written over HTTP and taken by the store")
            .register(registry);
  }

  /** The largest body accepted, for the route's {@code BodyHandler}. */
  long maxBodySize() {
    return config.maxBodySize();
  }

  /**
   * Before the body is read: resolves the decoder and checks the media type (415), so a body no
   * decoder reads is never buffered.
   */
  void checkMediaType(RoutingContext ctx) {
    String device = ctx.pathParam("id");
    if (!validDeviceId(device)) {
      count("bad_device");
      HttpVerticle.problem(
          ctx,
          Problem.badParameter(
              new BadParameterException(
                  "id", device, "a device id is one topic level: no '/', '+', '#' or NUL")));
      return;
    }
    Optional<DecoderTable.Match> match =
        config.decoders().resolve(DecoderTable.telemetryTopic(device));
    if (match.isEmpty()) {
      count("no_decoder");
      HttpVerticle.problem(
          ctx,
          new Problem(
              "urn:busbar:problem:no-decoder",
              "No decoder",
              404,
              "no decoder reads " + DecoderTable.telemetryTopic(device)));
      return;
    }
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    // unlike MQTT 3.1.1, HTTP always has a way to say what the body is: none is not JSON
    if (contentType == null || contentType.isBlank() || !match.get().reads(contentType)) {
      count("unsupported_type");
      ctx.response().putHeader("Accept-Post", String.join(", ", match.get().contentTypes()));
      HttpVerticle.problem(
          ctx, Problem.unsupportedMediaType(contentType, match.get().contentTypes()));
      return;
    }
    ctx.put(MATCH, match.get());
    ctx.next();
  }

  /** Decodes the body and offers its readings to the store; answers as the class says. */
  void handle(RoutingContext ctx) {
    String device = ctx.pathParam("id");
    Principal principal = ctx.get(BearerAuthHandler.PRINCIPAL);
    if (principal != null && principal.roles().isEmpty() && !principal.subject().equals(device)) {
      // the auth handler judged the raw path; this is the decoded id the readings would carry
      count("forbidden");
      HttpVerticle.problem(ctx, Problem.forbiddenDevice());
      return;
    }
    String tenant = tenant(ctx, principal);
    DecoderTable.Match match = ctx.get(MATCH);
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    Buffer body = ctx.body().buffer();
    if (body == null) {
      body = Buffer.buffer();
    }
    String topic = DecoderTable.telemetryTopic(device);
    long now = System.currentTimeMillis();
    DecodeResult result =
        match.decode(new MessageContext(tenant, device, topic, now, contentType), body);
    if (!(result instanceof DecodeResult.Decoded decoded)) {
      String reason = ((DecodeResult.Rejected) result).reason();
      bus.publish(
          Addresses.DEAD_LETTERS,
          new DeadLetter(tenant, device, topic, reason, body.getBytes(), now));
      count("undecodable");
      HttpVerticle.problem(ctx, Problem.undecodable(reason));
      return;
    }
    EventBatch batch = new EventBatch(decoded.events());
    Buffer payload = body;
    bus.<JsonObject>request(Addresses.STORAGE_INGEST, batch, OFFER)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                JsonObject reply = ar.result().body();
                bus.publish(
                    Addresses.EVENTS,
                    batch,
                    new DeliveryOptions()
                        .addHeader(Addresses.STORED_BY_HEADER, reply.getString("storage")));
                toSubscribers(tenant, device, topic, principal, contentType, payload);
                accepted(ctx, device, batch, reply.getBoolean("committed", false));
              } else if (ar.cause() instanceof ReplyException re
                  && re.failureType() == ReplyFailure.NO_HANDLERS) {
                // no local store: hand the readings on, as the MQTT path does
                bus.publish(Addresses.EVENTS, batch);
                toSubscribers(tenant, device, topic, principal, contentType, payload);
                accepted(ctx, device, batch, false);
              } else if (ar.cause() instanceof ReplyException re
                  && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
                  && re.failureCode() == 503) {
                count("store_full");
                ctx.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
                HttpVerticle.problem(ctx, Problem.storeFull());
              } else if (ar.cause() instanceof ReplyException re
                  && re.failureType() == ReplyFailure.TIMEOUT) {
                // the store may still take them: the device's retry may duplicate, never lose
                count("store_timeout");
                ctx.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
                HttpVerticle.problem(
                    ctx, Problem.fromBusFailure(Addresses.STORAGE_INGEST, ar.cause()));
              } else {
                Problem problem = Problem.fromBusFailure(Addresses.STORAGE_INGEST, ar.cause());
                count(problem.status() == 413 ? "too_large" : "store_failed");
                HttpVerticle.problem(ctx, problem);
              }
            });
  }

  /** The route's failure handler: a body over the limit is 413; anything else goes on. */
  void failure(RoutingContext ctx) {
    if (ctx.failure() == null && ctx.statusCode() == 413) {
      count("too_large");
      HttpVerticle.problem(ctx, Problem.tooLarge(config.maxBodySize()));
    } else {
      ctx.next();
    }
  }

  /**
   * Hands the original body to this node's MQTT broker ({@link Addresses#MQTT_INGESTED}), so MQTT
   * subscribers see it as a publish by the device; only once the readings are stored and on {@link
   * Addresses#EVENTS}, which is why the broker must not decode it again.
   */
  private void toSubscribers(
      String tenant,
      String device,
      String topic,
      Principal principal,
      String contentType,
      Buffer payload) {
    JsonObject message =
        new JsonObject()
            .put("tenant", tenant)
            .put("device", device)
            .put("topic", topic)
            .put("payload", Base64.getEncoder().encodeToString(payload.getBytes()))
            .put("contentType", contentType);
    if (principal != null) {
      message
          .put("subject", principal.subject())
          .put("roles", new JsonArray(List.copyOf(principal.roles())))
          .put("attributes", new JsonObject(new java.util.HashMap<>(principal.attributes())));
    }
    bus.send(Addresses.MQTT_INGESTED, message, TO_BROKER);
  }

  private void accepted(RoutingContext ctx, String device, EventBatch batch, boolean committed) {
    count("accepted");
    readings.increment(batch.events().size());
    HttpVerticle.json(
        ctx,
        202,
        new JsonObject()
            .put("device", device)
            .put("readings", batch.events().size())
            .put("committed", committed)
            .encode());
  }

  /**
   * Whether {@code device} can name a topic level, as a device publishing over MQTT could: not
   * empty, no level separator, no wildcard (MQTT 5.0 §4.7.1) and no NUL (§1.5.4).
   */
  static boolean validDeviceId(String device) {
    if (device == null || device.isEmpty()) {
      return false;
    }
    for (int i = 0; i < device.length(); i++) {
      char c = device.charAt(i);
      if (c == '/' || c == '+' || c == '#' || c == '\u0000') {
        return false;
      }
    }
    return true;
  }

  /** The token's tenant when authenticated, else {@code ?tenant=} or {@code default}. */
  private static String tenant(RoutingContext ctx, Principal principal) {
    if (principal != null) {
      return principal.tenant();
    }
    String tenant = ctx.queryParams().get("tenant");
    return tenant == null || tenant.isEmpty() ? Principal.DEFAULT_TENANT : tenant;
  }

  private void count(String outcome) {
    outcomes
        .computeIfAbsent(
            outcome,
            o ->
                Counter.builder("busbar.http.ingest.requests")
                    .description("Readings uploads over HTTP, by outcome")
                    .tag("outcome", o.toLowerCase(Locale.ROOT))
                    .register(registry))
        .increment();
  }
}
