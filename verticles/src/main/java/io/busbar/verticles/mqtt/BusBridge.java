package io.busbar.verticles.mqtt;

import io.busbar.codecs.bus.Addresses;
import io.busbar.security.Principal;
import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.Outlet;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.QueuePolicy;
import io.busbar.verticles.mqtt.session.Session;
import io.busbar.verticles.mqtt.session.Subscription;
import io.busbar.verticles.mqtt.topic.TopicNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.BinaryProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperties;
import io.netty.handler.codec.mqtt.MqttProperties.UserProperty;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The broker's event-bus side: other verticles publish into the broker as the system ({@link
 * Addresses#MQTT_PUBLISH}) and receive matching messages on a bus address ({@link
 * Addresses#MQTT_SUBSCRIBE}, {@link Addresses#MQTT_UNSUBSCRIBE}). Local consumers: each node's
 * bridge serves that node's broker.
 *
 * <p>A bus subscriber is an ordinary, non-persistent session whose outlet sends to the bus address,
 * so routing, tenants and retained messages work for it as for any MQTT client. Its client id
 * starts with a lone UTF-16 surrogate, which no well-formed UTF-8 client identifier can decode to
 * (MQTT 5.0 §1.5.4), so no MQTT client can take such a session over. Deliveries are QoS 0 on the
 * bus (the bus has no acknowledgement); the JSON carries the QoS the message was published with.
 *
 * <p>Runs on the broker verticle's event-loop context. Metrics: {@code
 * busbar.mqtt.bridge.published}, {@code busbar.mqtt.bridge.delivered}, {@code
 * busbar.mqtt.bridge.rejected} (bad requests).
 */
final class BusBridge {

  /** The publisher id of messages published through the bridge (for no-local). */
  static final String PUBLISHER_ID = "$busbar";

  /** Client-id prefix of bus subscriber sessions: a lone surrogate, never a decoded MQTT id. */
  static final String SESSION_PREFIX = "\uD800bus:";

  private final Broker broker;
  private final EventBus bus;
  private final Counter published;
  private final Counter delivered;
  private final Counter rejected;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  BusBridge(Broker broker, MeterRegistry registry) {
    this.broker = broker;
    this.bus = broker.vertx().eventBus();
    this.published =
        Counter.builder("busbar.mqtt.bridge.published")
            .description("Messages published into the broker over the event bus")
            .register(registry);
    this.delivered =
        Counter.builder("busbar.mqtt.bridge.delivered")
            .description("Messages sent to event-bus subscribers")
            .register(registry);
    this.rejected =
        Counter.builder("busbar.mqtt.bridge.rejected")
            .description("Bridge requests refused as malformed")
            .register(registry);
  }

  /** Registers the local consumers; call on the broker's context. */
  Future<Void> start() {
    consumers.add(bus.localConsumer(Addresses.MQTT_PUBLISH, this::onPublish));
    consumers.add(bus.localConsumer(Addresses.MQTT_SUBSCRIBE, this::onSubscribe));
    consumers.add(bus.localConsumer(Addresses.MQTT_UNSUBSCRIBE, this::onUnsubscribe));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  Future<Void> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  /** A malformed request: answered with 400 and the reason. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  private void onPublish(io.vertx.core.eventbus.Message<JsonObject> request) {
    Message message;
    try {
      message = toMessage(body(request), broker.config());
    } catch (BadRequest | ClassCastException | IllegalArgumentException e) {
      refuse(request, e);
      return;
    }
    published.increment();
    PostOffice.Routed routed = broker.route(message);
    JsonObject reply = new JsonObject().put("delivered", routed.receivers());
    if (routed.stored() == null) {
      request.reply(reply);
    } else {
      routed
          .stored()
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  request.reply(reply);
                } else {
                  request.fail(500, "routed, but not stored: " + ar.cause().getMessage());
                }
              });
    }
  }

  private void onSubscribe(io.vertx.core.eventbus.Message<JsonObject> request) {
    String tenant;
    String filter;
    String address;
    try {
      JsonObject body = body(request);
      tenant = body.getString("tenant", Principal.DEFAULT_TENANT);
      filter = filter(body);
      address = required(body, "address");
    } catch (BadRequest | ClassCastException e) {
      refuse(request, e);
      return;
    }
    Session session = session(tenant, address);
    boolean existed = broker.postOffice().subscribe(session, Subscription.of(filter, 0));
    if (!existed && request.body().getBoolean("retained", true)) {
      for (Message retained : broker.postOffice().retainedFor(tenant, filter)) {
        session.deliver(new Delivery(retained, 0, true, List.of()));
      }
    }
    request.reply(new JsonObject().put("subscribed", filter));
  }

  private void onUnsubscribe(io.vertx.core.eventbus.Message<JsonObject> request) {
    String tenant;
    String filter;
    String address;
    try {
      JsonObject body = body(request);
      tenant = body.getString("tenant", Principal.DEFAULT_TENANT);
      filter = filter(body);
      address = required(body, "address");
    } catch (BadRequest | ClassCastException e) {
      refuse(request, e);
      return;
    }
    Session session = broker.sessions().get(tenant, SESSION_PREFIX + address).orElse(null);
    boolean existed = session != null && broker.postOffice().unsubscribe(session, filter);
    if (session != null && session.subscriptions().isEmpty()) {
      broker.sessions().remove(session);
    }
    request.reply(new JsonObject().put("unsubscribed", existed));
  }

  /** The session that sends to {@code address}, created on first use. */
  private Session session(String tenant, String address) {
    String clientId = SESSION_PREFIX + address;
    Session existing = broker.sessions().get(tenant, clientId).orElse(null);
    if (existing != null) {
      return existing;
    }
    Session session =
        new Session(tenant, clientId, 1, QueuePolicy.DROP_OLDEST, d -> {}, broker.queueBudget());
    session.attach(new BusOutlet(address), 65_535);
    broker.sessions().put(session);
    return session;
  }

  /** Sends each delivery to the bus address; deliveries are QoS 0, so nothing waits for acks. */
  private final class BusOutlet implements Outlet {
    private final String address;

    BusOutlet(String address) {
      this.address = address;
    }

    @Override
    public boolean publish(int packetId, Delivery delivery, boolean dup) {
      if (delivery.message().isExpired(System.currentTimeMillis())) {
        return false; // MQTT 5.0 §3.3.2.3.3
      }
      bus.send(address, toJson(delivery.message(), delivery.retain()));
      delivered.increment();
      return true;
    }

    @Override
    public void pubrel(int packetId) {}
  }

  private void refuse(io.vertx.core.eventbus.Message<JsonObject> request, RuntimeException e) {
    rejected.increment();
    request.fail(
        400, e instanceof ClassCastException ? "a field has the wrong type" : e.getMessage());
  }

  private static JsonObject body(io.vertx.core.eventbus.Message<JsonObject> request) {
    Object body = request.body();
    if (!(body instanceof JsonObject json)) {
      throw new BadRequest("request must be a JSON object");
    }
    return json;
  }

  private static String required(JsonObject body, String field) {
    String value = body.getString(field);
    if (value == null || value.isEmpty()) {
      throw new BadRequest(field + " is required");
    }
    return value;
  }

  private String filter(JsonObject body) {
    String filter = required(body, "filter");
    TopicNames.checkFilter(
            filter, broker.config().maxTopicLength(), broker.config().maxTopicLevels())
        .ifPresent(
            problem -> {
              throw new BadRequest("filter: " + problem);
            });
    if (TopicNames.isShared(filter)) {
      throw new BadRequest("filter: shared subscriptions are not supported on the bus");
    }
    return filter;
  }

  /**
   * Reads a {@link Addresses#MQTT_PUBLISH} request.
   *
   * @throws BadRequest naming the bad field
   */
  static Message toMessage(JsonObject body, MqttConfig config) {
    String tenant = body.getString("tenant", Principal.DEFAULT_TENANT);
    String topic = required(body, "topic");
    TopicNames.checkName(topic, config.maxTopicLength(), config.maxTopicLevels())
        .ifPresent(
            problem -> {
              throw new BadRequest("topic: " + problem);
            });
    Buffer payload;
    if (body.containsKey("payload")) {
      payload = Buffer.buffer(base64(body, "payload"));
    } else {
      String text = body.getString("payloadText");
      payload = text == null ? Buffer.buffer() : Buffer.buffer(text);
    }
    int qos = body.getInteger("qos", 0);
    if (qos < 0 || qos > 2) {
      throw new BadRequest("qos must be 0, 1 or 2, got " + qos);
    }
    boolean retain = body.getBoolean("retain", false);
    MqttProperties props = new MqttProperties();
    String responseTopic = body.getString("responseTopic");
    if (responseTopic != null) {
      // MQTT 5.0 §3.3.2.3.5: a topic name, no wildcards
      TopicNames.checkName(responseTopic)
          .ifPresent(
              problem -> {
                throw new BadRequest("responseTopic: " + problem);
              });
      props.add(new StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), responseTopic));
    }
    if (body.containsKey("correlationData")) {
      props.add(
          new BinaryProperty(
              MqttPropertyType.CORRELATION_DATA.value(), base64(body, "correlationData")));
    }
    String contentType = body.getString("contentType");
    if (contentType != null) {
      props.add(new StringProperty(MqttPropertyType.CONTENT_TYPE.value(), contentType));
    }
    JsonObject user = body.getJsonObject("userProperties");
    if (user != null && !user.isEmpty()) {
      for (Map.Entry<String, Object> e : user) {
        props.add(new UserProperty(e.getKey(), String.valueOf(e.getValue())));
      }
    }
    long expiresAt = Long.MAX_VALUE;
    Long expiry = body.getLong("messageExpiry");
    if (expiry != null) {
      if (expiry < 0 || expiry > 0xFFFF_FFFFL) {
        throw new BadRequest("messageExpiry must be 0 to 4294967295 seconds, got " + expiry);
      }
      expiresAt = System.currentTimeMillis() + expiry * 1000;
    }
    return new Message(
        tenant,
        topic,
        payload,
        qos,
        retain,
        props.isEmpty() ? MqttProperties.NO_PROPERTIES : props,
        PUBLISHER_ID,
        expiresAt);
  }

  private static byte[] base64(JsonObject body, String field) {
    try {
      return Base64.getDecoder().decode(body.getString(field, ""));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(field + " is not base64: " + e.getMessage());
    }
  }

  /** The JSON a bus subscriber receives for one message. */
  static JsonObject toJson(Message m, boolean retain) {
    byte[] bytes = m.payload().getBytes();
    JsonObject json =
        new JsonObject()
            .put("tenant", m.tenant())
            .put("topic", m.topic())
            .put("payload", Base64.getEncoder().encodeToString(bytes))
            .put("qos", m.qos())
            .put("retain", retain);
    if (Utf8.isValid(m.payload())) {
      json.put("payloadText", m.payload().toString(java.nio.charset.StandardCharsets.UTF_8));
    }
    MqttProperties p = m.properties();
    String responseTopic = Mqtt5Properties.string(p, MqttPropertyType.RESPONSE_TOPIC);
    if (responseTopic != null) {
      json.put("responseTopic", responseTopic);
    }
    MqttProperties.MqttProperty<?> corr = p.getProperty(MqttPropertyType.CORRELATION_DATA.value());
    if (corr != null && corr.value() instanceof byte[] data) {
      json.put("correlationData", Base64.getEncoder().encodeToString(data));
    }
    String contentType = Mqtt5Properties.string(p, MqttPropertyType.CONTENT_TYPE);
    if (contentType != null) {
      json.put("contentType", contentType);
    }
    List<? extends MqttProperties.MqttProperty> users =
        p.getProperties(MqttPropertyType.USER_PROPERTY.value());
    if (!users.isEmpty()) {
      JsonObject userProps = new JsonObject();
      for (MqttProperties.MqttProperty<?> prop : users) {
        if (prop instanceof UserProperties list) {
          list.value().forEach(pair -> userProps.put(pair.key, pair.value));
        } else if (prop instanceof UserProperty one) {
          userProps.put(one.value().key, one.value().value);
        }
      }
      json.put("userProperties", userProps);
    }
    if (m.expiresAt() != Long.MAX_VALUE) {
      json.put(
          "messageExpiry", Math.max(1, (m.expiresAt() - System.currentTimeMillis() + 999) / 1000));
    }
    return json;
  }
}
