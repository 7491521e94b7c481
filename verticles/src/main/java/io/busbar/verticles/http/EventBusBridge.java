package io.busbar.verticles.http;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.security.Principal;
import io.busbar.security.acl.BackendAccess;
import io.busbar.security.acl.Permission;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;

/**
 * The SockJS event-bus bridge at {@code /eventbus} (vertx-web's bridge protocol: {@code
 * {"type":"register"|"send",…}} frames). Outbound, a socket may register for {@link
 * Addresses#EVENTS} and gets each batch as a JSON array of readings (see {@link EventJson}), only
 * its own tenant's when authenticated. Inbound, it may send a command to {@link Addresses#COMMANDS}
 * ({@code {"device","name","params"}}, answered on the reply address), with the token's tenant put
 * in; nothing else passes.
 *
 * <p>With authentication on, the socket's principal comes from {@link BearerAuthHandler} on the
 * upgrade request: {@code viewer} and up may receive ({@link Permission#READ}), {@code operator}
 * and up may also send commands ({@link Permission#COMMAND}). A refused frame is counted in {@code
 * busbar.http.eventbus.refused} tagged {@code reason} ({@code role}, {@code body}) and answered
 * with the bridge's own {@code {"type":"err","body":"rejected"}}.
 *
 * <p>Runs on the HTTP verticle's event loop.
 */
final class EventBusBridge {

  private final BackendAccess access;
  private final MeterRegistry registry;

  EventBusBridge(BackendAccess access, MeterRegistry registry) {
    this.access = access;
    this.registry = registry;
  }

  /** The sub-router to mount at {@code /eventbus/*}. */
  Router router(Vertx vertx) {
    SockJSBridgeOptions options =
        new SockJSBridgeOptions()
            .addInboundPermitted(new PermittedOptions().setAddress(Addresses.COMMANDS))
            .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.EVENTS));
    return SockJSHandler.create(vertx).bridge(options, this::handle);
  }

  private void handle(BridgeEvent event) {
    switch (event.type()) {
      case REGISTER -> event.complete(allowed(event, Permission.READ));
      case SEND -> event.complete(allowed(event, Permission.COMMAND) && command(event));
      // a command wants one device's answer: publishing it is not a command
      case PUBLISH -> event.complete(refused("body"));
      case RECEIVE -> event.complete(receive(event));
      default -> event.complete(true);
    }
  }

  private boolean allowed(BridgeEvent event, Permission permission) {
    Principal principal = principal(event);
    if (principal == null
        || access.decide(principal, permission) == BackendAccess.Decision.ALLOWED) {
      return true;
    }
    return refused("role");
  }

  /** Checks the command body and puts the token's tenant in (a socket speaks for its tenant). */
  private boolean command(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    Object body = raw.getValue("body");
    if (!(body instanceof JsonObject command)
        || !(command.getValue("device") instanceof String)
        || !(command.getValue("name") instanceof String)) {
      return refused("body");
    }
    Principal principal = principal(event);
    if (principal != null) {
      event.setRawMessage(raw.copy().put("body", command.copy().put("tenant", principal.tenant())));
    }
    return true;
  }

  /** Turns a batch into JSON the browser can read, keeping only the socket's tenant. */
  private boolean receive(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    if (!(raw.getValue("body") instanceof EventBatch batch)) {
      return true;
    }
    Principal principal = principal(event);
    JsonArray readings = new JsonArray();
    for (Event e : batch.events()) {
      if (principal == null || principal.tenant().equals(e.tenant())) {
        readings.add(EventJson.of(e));
      }
    }
    if (readings.isEmpty()) {
      return false;
    }
    // a new envelope: the batch itself is no JSON value, so the raw message cannot be copied
    JsonObject envelope = new JsonObject();
    raw.forEach(
        entry -> {
          if (!entry.getKey().equals("body")) {
            envelope.put(entry.getKey(), entry.getValue());
          }
        });
    event.setRawMessage(envelope.put("body", readings));
    return true;
  }

  private boolean refused(String reason) {
    registry.counter("busbar.http.eventbus.refused", "reason", reason).increment();
    return false;
  }

  private static Principal principal(BridgeEvent event) {
    RoutingContext ctx = event.socket() == null ? null : event.socket().routingContext();
    return ctx == null ? null : ctx.get(BearerAuthHandler.PRINCIPAL);
  }
}
