package io.busbar.verticles.http;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.EventBatch;
import io.busbar.security.Principal;
import io.busbar.security.TokenAuthenticator;
import io.busbar.security.acl.BackendAccess;
import io.busbar.security.audit.AuditTrail;
import io.busbar.security.tls.TlsListener;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The HTTP side of a node: health and metrics, the REST API over the analytics and storage
 * verticles (reached only through {@link Addresses}), the {@code /ws} live stream and the
 * dashboard's static files.
 *
 * <p>Routes:
 *
 * <ul>
 *   <li>{@code GET /health} — {@code {"status":"UP","node","uptimeMs"}}
 *   <li>{@code GET /ready} — 200 {@code {"status":"READY"}} while deployed, 503 while stopping
 *   <li>{@code GET /metrics} — Prometheus text format 0.0.4
 *   <li>{@code GET /.well-known/jwks.json} — the JWKS given to the constructor
 *   <li>{@code GET /api/v1/devices} — {@link Addresses#DEVICES_QUERY}
 *   <li>{@code GET
 *       /api/v1/devices/:id/telemetry?metric=&from=&to=&limit=&bucket=&agg=&latest=&cursor=} —
 *       {@link Addresses#STORAGE_TELEMETRY_QUERY}; from/to as epoch ms or ISO-8601 instant; {@code
 *       bucket} (1s … 1d) and {@code agg} (avg, min, max, last, count) downsample, {@code
 *       latest=true} gives the newest reading per metric. A page is the latest {@code limit} rows
 *       of the window, oldest first; when older rows may remain the response carries {@code
 *       X-Next-Cursor} and a {@code Link: <…&cursor=…>; rel="next"} header for the next page
 *   <li>{@code POST /api/v1/devices/:id/telemetry} — a device writes readings ({@code
 *       application/json} or {@code application/cbor}, decoded as on MQTT): 202 once the store took
 *       them, 400 undecodable (and a dead letter), 403 another device's id, 413, 415, 503 store
 *       full with {@code Retry-After} (see {@link DeviceIngest})
 *   <li>{@code GET /api/v1/export?from=&to=[&device=]} — the raw readings of the window as a
 *       Parquet file ({@code application/vnd.apache.parquet}), written by {@link
 *       Addresses#STORAGE_EXPORT} on this node to a temporary file that is deleted once sent
 *   <li>{@code GET /api/v1/state[?device=]} — {@link Addresses#STATE_QUERY}
 *   <li>{@code GET /api/v1/cluster} — {@link Addresses#CLUSTER_QUERY}
 *   <li>{@code GET /api/v1/sparkplug/nodes} — {@link Addresses#SPARKPLUG_NODES_QUERY}
 *   <li>{@code GET /api/v1/deadletters[?limit=]} — {@link Addresses#STORAGE_DEAD_LETTERS_QUERY}
 *   <li>{@code GET /api/v1/audit[?limit=&subject=]} — {@link Addresses#STORAGE_AUDIT_QUERY}, newest
 *       first (this node's trail; only the caller's tenant when authenticated)
 *   <li>{@code POST /api/v1/devices/:id/commands/:name[?timeout=ms]} — body = params (JSON object);
 *       {@link Addresses#COMMANDS}: 200 with the device's response, 404 device not connected, 409
 *       duplicate, 504 no response in time; header {@code X-Correlation-Id}
 *   <li>{@code GET /ws[?device=a&device=b]} — WebSocket: a {@code {"type":"hello","node"}} frame
 *       once subscribed, then one {@code {"type":"events","events":[…]}} text frame per {@link
 *       EventBatch} (see {@link EventJson})
 *   <li>{@code GET /mqtt} — MQTT over WebSocket (sub-protocol {@code mqtt}, MQTT 5.0 §6.0), relayed
 *       to the broker's own WebSocket listener when {@link HttpConfig#mqttOverWebSocket()} (see
 *       {@link MqttWebSocketRelay}); the token goes in the MQTT CONNECT, as on TCP
 *   <li>{@code /eventbus} — the SockJS event-bus bridge: receive {@link Addresses#EVENTS} as JSON,
 *       send commands to {@link Addresses#COMMANDS} (see {@link EventBusBridge})
 *   <li>{@code /*} — static files from the classpath folder {@code webroot/}
 * </ul>
 *
 * <p>With {@link HttpConfig#requireAuth()} on, {@code /api/v1/**}, {@code /ws} and {@code
 * /eventbus} need a Bearer token and a role that grants the request (see {@link BearerAuthHandler}:
 * 401, 403, 429, 503 problems, audit events on {@link Addresses#AUDIT}); a {@code /ws} socket is
 * closed with 1008 when its token expires. Health, readiness, metrics, the JWKS and static files
 * stay open.
 *
 * <p>Errors under {@code /api} are RFC 7807 {@code application/problem+json}: 400 bad parameter,
 * 404 unknown path, 503 no backend or backend timeout, a backend's 4xx/5xx failure code passed
 * through, 502 for any other backend failure.
 *
 * <p>Deploy one instance per node: it owns the one {@link Addresses#EVENTS} consumer that feeds
 * every socket.
 */
public final class HttpVerticle extends VerticleBase {

  /** How long a REST request waits for the analytics or storage verticle. */
  public static final long BUS_TIMEOUT_MS = 5_000;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpVerticle.class);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String JSON = "application/json";

  /** The Parquet media type (registered with IANA in 2024). */
  static final String PARQUET = "application/vnd.apache.parquet";

  /** How long an export may take to write its file. */
  public static final long EXPORT_TIMEOUT_MS = 120_000;

  /** The largest command body (the params JSON) accepted, in bytes. */
  static final long COMMAND_BODY_LIMIT = 64 * 1024;

  /** The longest {@code ?timeout=} a command may ask for, in ms. */
  static final long MAX_COMMAND_TIMEOUT_MS = 120_000;

  /** Response header naming the correlation id a command was sent with. */
  static final String CORRELATION_ID = "X-Correlation-Id";

  /** Response header with the cursor of the next (older) telemetry page. */
  static final String NEXT_CURSOR = "X-Next-Cursor";

  private final HttpConfig config;
  private final JsonObject jwks;
  private final PrometheusMeterRegistry registry;
  private final TokenAuthenticator authenticator;
  private final BackendAccess access;
  private final IngestConfig ingest;

  private HttpServer server;
  private HttpServer tlsServer;
  private TlsListener tls;
  private LiveStream live;
  private MessageConsumer<EventBatch> events;
  private WebSocketClient mqttUpstream;
  private long startedNanos;
  private volatile boolean ready;

  /**
   * @param config where to listen
   * @param jwks the public keys served at {@code /.well-known/jwks.json}
   * @param registry where this verticle's meters go, scraped at {@code /metrics}
   */
  public HttpVerticle(HttpConfig config, JsonObject jwks, PrometheusMeterRegistry registry) {
    this(config, jwks, registry, null, new BackendAccess(BackendAccess.MfaPolicy.none()));
  }

  /**
   * As above, checking Bearer tokens with {@code authenticator} on {@code /api/v1/**} and {@code
   * /ws} when {@link HttpConfig#requireAuth()} is on; no MFA required.
   */
  public HttpVerticle(
      HttpConfig config,
      JsonObject jwks,
      PrometheusMeterRegistry registry,
      TokenAuthenticator authenticator) {
    this(config, jwks, registry, authenticator, new BackendAccess(BackendAccess.MfaPolicy.none()));
  }

  /**
   * @param authenticator checks Bearer tokens; may be {@code null} only when {@link
   *     HttpConfig#requireAuth()} is off
   * @param access which roles may do what, and which need MFA
   */
  public HttpVerticle(
      HttpConfig config,
      JsonObject jwks,
      PrometheusMeterRegistry registry,
      TokenAuthenticator authenticator,
      BackendAccess access) {
    this(config, jwks, registry, authenticator, access, IngestConfig.defaults());
  }

  /**
   * As above, decoding readings written over HTTP ({@code POST /api/v1/devices/:id/telemetry}) as
   * {@code ingest} says (the hub gives the broker's decoder table and message size limit).
   */
  public HttpVerticle(
      HttpConfig config,
      JsonObject jwks,
      PrometheusMeterRegistry registry,
      TokenAuthenticator authenticator,
      BackendAccess access,
      IngestConfig ingest) {
    this.ingest = Objects.requireNonNull(ingest, "ingest");
    this.config = Objects.requireNonNull(config, "config");
    this.jwks = Objects.requireNonNull(jwks, "jwks").copy();
    this.registry = Objects.requireNonNull(registry, "registry");
    this.authenticator = authenticator;
    this.access = Objects.requireNonNull(access, "access");
  }

  /**
   * Subscribes to {@link Addresses#EVENTS} and binds the server (and the TLS one when configured).
   *
   * @return a future that fails when a port cannot be bound or the certificate or key cannot be
   *     read, or with {@link IllegalStateException} when authentication is required but no
   *     authenticator was given
   */
  @Override
  public Future<?> start() {
    if (config.requireAuth() && authenticator == null) {
      return Future.failedFuture(
          new IllegalStateException("http.requireAuth is on but no token authenticator was given"));
    }
    startedNanos = System.nanoTime();
    live = new LiveStream(registry);
    events = vertx.eventBus().consumer(Addresses.EVENTS, msg -> live.publish(msg.body()));
    Router router = router();
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(config.host())
            .setPort(config.port())
            // clients such as java.net.http offer an h2c upgrade on every plain request; the
            // upgrade stalled some of them, so plain HTTP stays HTTP/1.1
            .setHttp2ClearTextEnabled(false)
            // chosen only when a client offers it, so /ws clients without one are unaffected
            .setWebSocketSubProtocols(List.of(MqttWebSocketRelay.SUBPROTOCOL))
            .setMaxWebSocketFrameSize(config.maxWebSocketFrameSize())
            .setMaxWebSocketMessageSize(
                Math.max(
                    config.maxWebSocketFrameSize(),
                    HttpServerOptions.DEFAULT_MAX_WEBSOCKET_MESSAGE_SIZE));
    server = vertx.createHttpServer(options);
    if (config.tlsPort() >= 0) {
      // the same routes over TLS 1.2/1.3; HTTP/1.1 only (no ALPN), so WebSockets upgrade as on
      // the plain port
      tls = new TlsListener(vertx, "http", config.tls(), registry);
      tlsServer =
          vertx.createHttpServer(
              tls.apply(new HttpServerOptions(options).setPort(config.tlsPort())));
    }
    return events
        .completion()
        .compose(v -> server.requestHandler(router).listen())
        .compose(
            v ->
                tlsServer == null
                    ? Future.succeededFuture()
                    : tlsServer
                        .requestHandler(router)
                        .listen()
                        .onSuccess(
                            s ->
                                LOG.info(
                                    "HTTPS listening on {}:{} ({} engine, {})",
                                    config.host(),
                                    s.actualPort(),
                                    tls.engine(),
                                    config.tls().protocols()))
                        .compose(s -> tls.watch(ssl -> tlsServer.updateSSLOptions(ssl, true))))
        .onSuccess(s -> ready = true);
  }

  /** Closes the sockets, the consumer and the server. */
  @Override
  public Future<?> stop() {
    ready = false;
    if (tls != null) {
      tls.close();
    }
    if (live != null) {
      live.close();
    }
    Future<Void> consumer = events == null ? Future.succeededFuture() : events.unregister();
    Future<Void> listener = server == null ? Future.succeededFuture() : server.close();
    Future<Void> tlsListener = tlsServer == null ? Future.succeededFuture() : tlsServer.close();
    Future<Void> relay = mqttUpstream == null ? Future.succeededFuture() : mqttUpstream.close();
    return Future.all(consumer, listener, tlsListener, relay);
  }

  /** Returns the bound port (useful when the config says 0); -1 before start. */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** Returns the bound TLS port (useful when the config says 0); -1 when off or before start. */
  public int actualTlsPort() {
    return tlsServer == null ? -1 : tlsServer.actualPort();
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.get("/health").handler(this::health);
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
    router.get("/.well-known/jwks.json").handler(ctx -> json(ctx, 200, jwks.encode()));

    if (config.requireAuth()) {
      BearerAuthHandler auth =
          new BearerAuthHandler(
              authenticator,
              access,
              new AuditTrail(vertx.eventBus(), Addresses.AUDIT),
              registry,
              Clock.systemUTC(),
              config.tlsIdentity());
      router.route("/api/v1/*").handler(auth);
      router.route("/ws").handler(auth);
      router.route("/eventbus/*").handler(auth);
    }

    router
        .get("/api/v1/devices")
        .handler(ctx -> ask(ctx, Addresses.DEVICES_QUERY, new JsonObject()));
    router.get("/api/v1/devices/:id/telemetry").handler(this::telemetry);
    DeviceIngest upload = new DeviceIngest(vertx.eventBus(), ingest, registry);
    // the media type is checked on a route of its own, before the body is read (a route's body
    // handler must come first on that route)
    router.post("/api/v1/devices/:id/telemetry").handler(upload::checkMediaType);
    router
        .post("/api/v1/devices/:id/telemetry")
        .handler(BodyHandler.create(false).setBodyLimit(upload.maxBodySize()))
        .handler(upload::handle)
        .failureHandler(upload::failure);
    router.get("/api/v1/state").handler(this::state);
    router.get("/api/v1/deadletters").handler(this::deadLetters);
    router
        .get("/api/v1/cluster")
        .handler(ctx -> ask(ctx, Addresses.CLUSTER_QUERY, new JsonObject()));
    router
        .get("/api/v1/sparkplug/nodes")
        .handler(ctx -> ask(ctx, Addresses.SPARKPLUG_NODES_QUERY, new JsonObject()));
    router.get("/api/v1/export").handler(this::export);
    router.get("/api/v1/audit").handler(this::audit);
    router
        .post("/api/v1/devices/:id/commands/:name")
        .handler(BodyHandler.create(false).setBodyLimit(COMMAND_BODY_LIMIT))
        .handler(this::command);
    router.route("/api/*").handler(ctx -> problem(ctx, Problem.notFound(ctx.normalizedPath())));
    router.route("/api/*").failureHandler(this::apiFailure);

    router.get("/ws").handler(this::webSocket);
    router.route("/eventbus/*").subRouter(new EventBusBridge(access, registry).router(vertx));
    if (config.mqttOverWebSocket()) {
      mqttUpstream =
          vertx.createWebSocketClient(
              new WebSocketClientOptions()
                  .setMaxFrameSize(config.maxWebSocketFrameSize())
                  .setMaxMessageSize(
                      Math.max(
                          config.maxWebSocketFrameSize(),
                          WebSocketClientOptions.DEFAULT_MAX_MESSAGE_SIZE)));
      MqttWebSocketRelay relay =
          new MqttWebSocketRelay(
              mqttUpstream, config.mqttUpstreamHost(), config.mqttUpstreamPort(), registry);
      router.get("/mqtt").handler(relay::handle);
    }
    router.route("/*").handler(StaticHandler.create("webroot"));
    return router;
  }

  private void health(RoutingContext ctx) {
    long uptimeMs = (System.nanoTime() - startedNanos) / 1_000_000;
    JsonObject body =
        new JsonObject().put("status", "UP").put("node", config.nodeId()).put("uptimeMs", uptimeMs);
    json(ctx, 200, body.encode());
  }

  private void ready(RoutingContext ctx) {
    json(
        ctx,
        ready ? 200 : 503,
        new JsonObject().put("status", ready ? "READY" : "STOPPING").encode());
  }

  private void metrics(RoutingContext ctx) {
    // scrape() is CPU-only and quick for the few hundred meters of a node; no blocking I/O.
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(registry.scrape());
  }

  private void telemetry(RoutingContext ctx) {
    TelemetryQuery query =
        TelemetryQuery.parse(
            ctx.pathParam("id"),
            ctx.queryParams().get("metric"),
            ctx.queryParams().get("from"),
            ctx.queryParams().get("to"),
            ctx.queryParams().get("limit"));
    JsonObject request = query.toJson();
    for (String name : new String[] {"bucket", "agg", "cursor"}) {
      // validated by storage, whose 400 names the parameter
      String value = ctx.queryParams().get(name);
      if (value != null && !value.isEmpty()) {
        request.put(name, value);
      }
    }
    String latest = ctx.queryParams().get("latest");
    if (latest != null && !latest.isEmpty()) {
      if (!latest.equals("true") && !latest.equals("false")) {
        throw new BadParameterException("latest", latest, "expected true or false");
      }
      request.put("latest", Boolean.parseBoolean(latest));
    }
    ask(ctx, Addresses.STORAGE_TELEMETRY_QUERY, request, headers -> nextPageLinks(ctx, headers));
  }

  /** Turns storage's next-page cursor into {@code X-Next-Cursor} and an RFC 8288 next link. */
  private static void nextPageLinks(RoutingContext ctx, MultiMap replyHeaders) {
    String cursor = replyHeaders.get(Addresses.NEXT_CURSOR_HEADER);
    if (cursor == null) {
      return;
    }
    StringBuilder next = new StringBuilder(ctx.request().path()).append('?');
    ctx.queryParams()
        .forEach(
            (name, value) -> {
              if (!name.equals("cursor")) {
                next.append(encode(name)).append('=').append(encode(value)).append('&');
              }
            });
    next.append("cursor=").append(encode(cursor));
    ctx.response().putHeader(NEXT_CURSOR, cursor).putHeader("Link", "<" + next + ">; rel=\"next\"");
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private void export(RoutingContext ctx) {
    String rawFrom = ctx.queryParams().get("from");
    String rawTo = ctx.queryParams().get("to");
    Long from = QueryParameters.instant("from", rawFrom);
    Long to = QueryParameters.instant("to", rawTo);
    if (from == null) {
      throw new BadParameterException("from", "", "required");
    }
    if (to == null) {
      throw new BadParameterException("to", "", "required");
    }
    if (from > to) {
      throw new BadParameterException("from", rawFrom, "must not be after to=" + rawTo);
    }
    JsonObject request = new JsonObject().put("from", from).put("to", to);
    String device = ctx.queryParams().get("device");
    if (device != null && !device.isEmpty()) {
      request.put("device", device);
    }
    var fs = vertx.fileSystem();
    fs.createTempFile("busbar-export-", ".parquet")
        .onFailure(e -> problem(ctx, Problem.internal(e)))
        .onSuccess(
            path ->
                vertx
                    .eventBus()
                    .request(
                        Addresses.STORAGE_EXPORT,
                        request.put("path", path),
                        // the file is on this node's disk: only this node's storage may write it
                        new DeliveryOptions().setSendTimeout(EXPORT_TIMEOUT_MS).setLocalOnly(true))
                    .onFailure(
                        e -> problem(ctx, Problem.fromBusFailure(Addresses.STORAGE_EXPORT, e)))
                    .compose(
                        reply ->
                            ctx.response()
                                .putHeader(HttpHeaders.CONTENT_TYPE, PARQUET)
                                .putHeader(
                                    "Content-Disposition",
                                    "attachment; filename=\"busbar-"
                                        + from
                                        + "-"
                                        + to
                                        + ".parquet\"")
                                .sendFile(path))
                    .onComplete(done -> fs.delete(path)));
  }

  private void state(RoutingContext ctx) {
    JsonObject request = new JsonObject();
    String device = ctx.queryParams().get("device");
    if (device != null && !device.isEmpty()) {
      request.put("device", device);
    }
    ask(ctx, Addresses.STATE_QUERY, request);
  }

  private void deadLetters(RoutingContext ctx) {
    JsonObject request = new JsonObject();
    Integer limit = QueryParameters.limit("limit", ctx.queryParams().get("limit"));
    if (limit != null) {
      request.put("limit", limit);
    }
    ask(ctx, Addresses.STORAGE_DEAD_LETTERS_QUERY, request);
  }

  /**
   * {@code POST /api/v1/devices/:id/commands/:name[?timeout=ms][&tenant=]}: the JSON body is the
   * command's params; 200 with the device's response, or the command verticle's failure as a
   * problem (400, 404 device not connected, 409, 503, 504 no response in time). The tenant is the
   * token's when authenticated, else {@code ?tenant=} or {@code default}.
   */
  private void command(RoutingContext ctx) {
    JsonObject params;
    String raw = ctx.body().asString();
    if (raw == null || raw.isBlank()) {
      params = new JsonObject();
    } else {
      try {
        params = new JsonObject(raw);
      } catch (RuntimeException e) {
        throw new BadParameterException("body", abbreviate(raw), "expected a JSON object");
      }
    }
    Long timeout = null;
    String rawTimeout = ctx.queryParams().get("timeout");
    if (rawTimeout != null && !rawTimeout.isEmpty()) {
      try {
        timeout = Long.parseLong(rawTimeout);
      } catch (NumberFormatException e) {
        timeout = -1L;
      }
      if (timeout < 1 || timeout > MAX_COMMAND_TIMEOUT_MS) {
        throw new BadParameterException(
            "timeout", rawTimeout, "expected milliseconds 1.." + MAX_COMMAND_TIMEOUT_MS);
      }
    }
    Principal principal = ctx.get(BearerAuthHandler.PRINCIPAL);
    String tenant = principal != null ? principal.tenant() : ctx.queryParams().get("tenant");
    String correlationId = java.util.UUID.randomUUID().toString();
    JsonObject request =
        new JsonObject()
            .put("device", ctx.pathParam("id"))
            .put("name", ctx.pathParam("name"))
            .put("params", params)
            .put("correlationId", correlationId);
    if (tenant != null && !tenant.isEmpty()) {
      request.put("tenant", tenant);
    }
    if (timeout != null) {
      request.put("timeoutMs", timeout);
    }
    ctx.response().putHeader(CORRELATION_ID, correlationId);
    long wait = (timeout != null ? timeout : MAX_COMMAND_TIMEOUT_MS) + BUS_TIMEOUT_MS;
    vertx
        .eventBus()
        .request(Addresses.COMMANDS, request, new DeliveryOptions().setSendTimeout(wait))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                problem(ctx, Problem.fromBusFailure(Addresses.COMMANDS, ar.cause()));
              } else if (ar.result().body() instanceof JsonObject response) {
                json(ctx, 200, response.encode());
              } else {
                problem(
                    ctx, Problem.badGateway(Addresses.COMMANDS + " replied with no JSON object"));
              }
            });
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }

  /** {@code GET /api/v1/audit[?limit=][&subject=]}: the audit trail, newest first. */
  private void audit(RoutingContext ctx) {
    JsonObject request = new JsonObject();
    Integer limit = QueryParameters.limit("limit", ctx.queryParams().get("limit"));
    if (limit != null) {
      request.put("limit", limit);
    }
    String subject = ctx.queryParams().get("subject");
    if (subject != null && !subject.isEmpty()) {
      request.put("subject", subject);
    }
    Principal principal = ctx.get(BearerAuthHandler.PRINCIPAL);
    if (principal != null) {
      request.put("tenant", principal.tenant()); // a tenant sees its own trail only
    }
    ask(ctx, Addresses.STORAGE_AUDIT_QUERY, request);
  }

  /** Requests {@code address} and answers with its JSON reply, or a problem. */
  private void ask(RoutingContext ctx, String address, JsonObject request) {
    ask(ctx, address, request, headers -> {});
  }

  /** As above; {@code replyHeaders} may turn the reply's headers into response headers. */
  private void ask(
      RoutingContext ctx, String address, JsonObject request, Consumer<MultiMap> replyHeaders) {
    vertx
        .eventBus()
        .request(address, request, new DeliveryOptions().setSendTimeout(BUS_TIMEOUT_MS))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                problem(ctx, Problem.fromBusFailure(address, ar.cause()));
                return;
              }
              Object body = ar.result().body();
              if (body instanceof JsonArray || body instanceof JsonObject) {
                replyHeaders.accept(ar.result().headers());
              }
              if (body instanceof JsonArray array) {
                json(ctx, 200, array.encode());
              } else if (body instanceof JsonObject object) {
                json(ctx, 200, object.encode());
              } else {
                String kind = body == null ? "null" : body.getClass().getSimpleName();
                problem(ctx, Problem.badGateway(address + " replied with " + kind + ", not JSON"));
              }
            });
  }

  private void apiFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof BadParameterException bad) {
      problem(ctx, Problem.badParameter(bad));
    } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      problem(
          ctx,
          new Problem(
              "urn:busbar:problem:http-" + ctx.statusCode(),
              "Request rejected",
              ctx.statusCode(),
              ctx.request().method() + " " + ctx.normalizedPath()));
    } else {
      problem(ctx, Problem.internal(failure));
    }
  }

  private void webSocket(RoutingContext ctx) {
    Set<String> devices = new HashSet<>();
    for (String device : ctx.queryParam("device")) {
      if (!device.isEmpty()) {
        devices.add(device);
      }
    }
    ctx.request()
        .toWebSocket()
        .onSuccess(
            socket -> {
              live.add(socket, devices);
              closeAtExpiry(socket, ctx.get(BearerAuthHandler.PRINCIPAL));
              socket.writeTextMessage(EventJson.hello(config.nodeId()));
            })
        .onFailure(
            e -> {
              // Not an upgrade request (or a broken one): the protocol's own answer is 400.
              if (!ctx.response().ended()) {
                ctx.response().setStatusCode(400).end("WebSocket upgrade expected at /ws");
              }
            });
  }

  /** Closes the socket when its token expires: 1008 policy violation (RFC 6455 §7.4.1). */
  private void closeAtExpiry(ServerWebSocket socket, Principal principal) {
    if (principal == null || principal.expiresAt() == Long.MAX_VALUE) {
      return;
    }
    long delay = Math.max(1, principal.expiresAt() - System.currentTimeMillis());
    long timer =
        vertx.setTimer(
            delay,
            id -> {
              if (!socket.isClosed()) {
                socket.close((short) 1008, "token expired");
              }
            });
    // a closed socket needs no timer (LiveStream owns the close handler; endHandler is free)
    socket.endHandler(v -> vertx.cancelTimer(timer));
  }

  static void json(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
  }

  static void problem(RoutingContext ctx, Problem problem) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(problem.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
        .end(problem.toJson(ctx.request().path()).encode());
  }
}
