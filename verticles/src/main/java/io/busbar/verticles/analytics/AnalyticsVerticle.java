package io.busbar.verticles.analytics;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.EventBatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps the {@link LiveState} of the plant from {@link Addresses#EVENTS} and answers {@link
 * Addresses#STATE_QUERY} and {@link Addresses#DEVICES_QUERY} from memory.
 *
 * <p>Everything runs on this verticle's event loop; the state is never shared with another thread
 * (the device-count gauge reads a copy). Every node keeps the full state, since events are
 * published cluster-wide. Both queries take an optional {@code tenant} to restrict the answer; a
 * request field of the wrong type fails with {@code 400} naming the field.
 */
public final class AnalyticsVerticle extends VerticleBase {

  private final MeterRegistry registry;
  private final LiveState state = new LiveState();
  private final AtomicInteger deviceCount = new AtomicInteger();
  private final Counter eventsApplied;
  private final Counter eventsIgnored;
  private final Counter badRequests;
  private Gauge devicesGauge;
  private List<MessageConsumer<Object>> consumers = List.of();

  public AnalyticsVerticle(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.eventsApplied =
        Counter.builder("busbar.analytics.events")
            .description("Events folded into the live state")
            .tag("outcome", "latest")
            .register(registry);
    this.eventsIgnored =
        Counter.builder("busbar.analytics.events")
            .description("Events folded into the live state")
            .tag("outcome", "older")
            .register(registry);
    this.badRequests =
        Counter.builder("busbar.analytics.queries.failed")
            .description("Analytics queries answered with an error")
            .tag("code", "400")
            .register(registry);
  }

  @Override
  public Future<?> start() {
    devicesGauge =
        Gauge.builder("busbar.analytics.devices", deviceCount, AtomicInteger::get)
            .description("Devices in the live state")
            .register(registry);
    var bus = vertx.eventBus();
    consumers =
        List.of(
            bus.consumer(Addresses.EVENTS, this::onEvents),
            bus.consumer(Addresses.STATE_QUERY, this::onStateQuery),
            bus.consumer(Addresses.DEVICES_QUERY, this::onDevicesQuery));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList())
        .onComplete(done -> registry.remove(devicesGauge));
  }

  private void onEvents(Message<Object> message) {
    if (!(message.body() instanceof EventBatch batch)) {
      return;
    }
    int applied = state.applyAll(batch.events());
    eventsApplied.increment(applied);
    eventsIgnored.increment(batch.size() - applied);
    deviceCount.set(state.deviceCount());
  }

  /** {@code {device?, tenant?}} → {@code {deviceId: {metric: {value, ts, quality, unit}}}}. */
  private void onStateQuery(Message<Object> message) {
    JsonObject request;
    String device;
    String tenant;
    try {
      request = requestBody(message);
      device = optionalText(request, "device");
      tenant = optionalText(request, "tenant");
    } catch (IllegalArgumentException e) {
      badRequests.increment();
      message.fail(400, e.getMessage());
      return;
    }
    JsonObject reply = new JsonObject();
    List<String> ids = device != null ? List.of(device) : state.deviceIds();
    for (String id : ids) {
      LiveState.DeviceInfo info = state.device(id);
      if (info == null || (tenant != null && !tenant.equals(info.tenant()))) {
        continue;
      }
      JsonObject metrics = new JsonObject();
      for (Map.Entry<String, LiveState.Reading> entry : state.latest(id).entrySet()) {
        LiveState.Reading reading = entry.getValue();
        metrics.put(
            entry.getKey(),
            new JsonObject()
                .put("value", jsonValue(reading.value().toJava()))
                .put("ts", reading.timestamp())
                .put("quality", reading.quality().name())
                .put("unit", reading.unit()));
      }
      reply.put(id, metrics);
    }
    message.reply(reply);
  }

  /** {@code {tenant?}} → {@code [{device, tenant, firstSeen, lastSeen, metrics}]} by device. */
  private void onDevicesQuery(Message<Object> message) {
    String tenant;
    try {
      tenant = optionalText(requestBody(message), "tenant");
    } catch (IllegalArgumentException e) {
      badRequests.increment();
      message.fail(400, e.getMessage());
      return;
    }
    JsonArray reply = new JsonArray();
    for (LiveState.DeviceInfo info : state.devices()) {
      if (tenant != null && !tenant.equals(info.tenant())) {
        continue;
      }
      reply.add(
          new JsonObject()
              .put("device", info.device())
              .put("tenant", info.tenant())
              .put("firstSeen", info.firstSeen())
              .put("lastSeen", info.lastSeen())
              .put("metrics", new JsonArray(info.metrics())));
    }
    message.reply(reply);
  }

  private static JsonObject requestBody(Message<Object> message) {
    Object body = message.body();
    if (body == null) {
      return new JsonObject();
    }
    if (body instanceof JsonObject json) {
      return json;
    }
    throw new IllegalArgumentException("request must be a JSON object");
  }

  private static String optionalText(JsonObject request, String field) {
    Object raw = request.getValue(field);
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof String text) || text.isBlank()) {
      throw new IllegalArgumentException(field + " must be a non-empty string, got " + raw);
    }
    return text;
  }

  /** JSON has no NaN or infinity. */
  private static Object jsonValue(Object value) {
    return value instanceof Double d && !Double.isFinite(d) ? null : value;
  }
}
