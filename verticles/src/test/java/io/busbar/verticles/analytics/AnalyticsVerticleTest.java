package io.busbar.verticles.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** One analytics verticle on a real event bus, shared by every test of the class. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AnalyticsVerticleTest {

  private static final MeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static Vertx vertx;

  @BeforeAll
  static void deploy(Vertx shared) throws Exception {
    vertx = shared;
    BusCodecs.register(vertx.eventBus());
    vertx.deployVerticle(new AnalyticsVerticle(REGISTRY)).await(20, TimeUnit.SECONDS);
  }

  private static Event event(String tenant, String device, String metric, long ts, Value value) {
    return new Event(tenant, device, metric, ts, value, Quality.GOOD, "°C", "devices/" + device);
  }

  /** Sends the events, then a state query: the bus delivers in order, so the reply sees them. */
  private static void publish(Event... events) {
    vertx.eventBus().publish(Addresses.EVENTS, new EventBatch(List.of(events)));
  }

  private static <T> T request(String address, Object body) throws Exception {
    return vertx.eventBus().<T>request(address, body).await(10, TimeUnit.SECONDS).body();
  }

  /** Verifies that the state query answers the latest value of each metric of one device. */
  @Test
  void answersLatestStateOfOneDevice() throws Exception {
    publish(
        event("acme", "oven-1", "temperature", 2_000, Value.of(180.5)),
        event("acme", "oven-1", "temperature", 1_000, Value.of(20.0)),
        event("acme", "oven-1", "door", 1_500, Value.of(true)));

    JsonObject state = request(Addresses.STATE_QUERY, new JsonObject().put("device", "oven-1"));

    assertThat(state.fieldNames()).containsExactly("oven-1");
    JsonObject temperature = state.getJsonObject("oven-1").getJsonObject("temperature");
    assertThat(temperature.getValue("value")).isEqualTo(180.5);
    assertThat(temperature.getLong("ts")).isEqualTo(2_000L);
    assertThat(temperature.getString("quality")).isEqualTo("GOOD");
    assertThat(temperature.getString("unit")).isEqualTo("°C");
    assertThat(state.getJsonObject("oven-1").getJsonObject("door").getValue("value"))
        .isEqualTo(true);
  }

  /** Verifies that an unknown device gets an empty object, not an error. */
  @Test
  void unknownDeviceGetsEmptyObject() throws Exception {
    JsonObject state = request(Addresses.STATE_QUERY, new JsonObject().put("device", "ghost"));

    assertThat(state.isEmpty()).isTrue();
  }

  /**
   * Verifies that the devices query lists devices sorted, scoped by tenant, and the gauge counts.
   */
  @Test
  void listsDevicesSortedAndByTenant() throws Exception {
    publish(
        event("globex", "zeta-9", "rpm", 3_000, Value.of(900)),
        event("globex", "alpha-1", "rpm", 1_000, Value.of(100)),
        event("globex", "alpha-1", "mode", 4_000, Value.of("AUTO")));

    JsonArray devices = request(Addresses.DEVICES_QUERY, new JsonObject().put("tenant", "globex"));

    assertThat(devices).hasSize(2);
    JsonObject alpha = devices.getJsonObject(0);
    assertThat(alpha.getString("device")).isEqualTo("alpha-1");
    assertThat(alpha.getString("tenant")).isEqualTo("globex");
    assertThat(alpha.getLong("firstSeen")).isEqualTo(1_000L);
    assertThat(alpha.getLong("lastSeen")).isEqualTo(4_000L);
    assertThat(alpha.getJsonArray("metrics").getList()).containsExactly("mode", "rpm");
    assertThat(devices.getJsonObject(1).getString("device")).isEqualTo("zeta-9");
    JsonArray all = request(Addresses.DEVICES_QUERY, new JsonObject());
    assertThat(REGISTRY.get("busbar.analytics.devices").gauge().value()).isEqualTo(all.size());
  }

  /** Verifies that request fields of the wrong type fail with 400 naming the field. */
  @Test
  void badFieldsFailWith400() {
    assertBadRequest(Addresses.STATE_QUERY, new JsonObject().put("device", 7), "device");
    assertBadRequest(Addresses.DEVICES_QUERY, new JsonObject().put("tenant", ""), "tenant");
    assertBadRequest(Addresses.STATE_QUERY, "oven-1", "request");
  }

  private static void assertBadRequest(String address, Object body, String field) {
    ReplyException failure =
        catchThrowableOfType(
            ReplyException.class,
            () -> vertx.eventBus().request(address, body).await(10, TimeUnit.SECONDS));
    assertThat(failure).as("request %s", body).isNotNull();
    assertThat(failure.failureCode()).isEqualTo(400);
    assertThat(failure.getMessage()).contains(field);
  }
}
