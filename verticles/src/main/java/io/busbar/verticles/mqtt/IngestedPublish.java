package io.busbar.verticles.mqtt;

import io.busbar.codecs.bus.Addresses;
import io.busbar.security.Principal;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.topic.TopicNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Routes readings a device wrote over HTTP ({@link Addresses#MQTT_INGESTED}) to MQTT subscribers,
 * as the PUBLISH the device would have sent: QoS 1, retain false, the MQTT 5 content type as sent
 * (§3.3.2.3.9), in the device's tenant only, and only where the ACL lets the device publish on the
 * topic (the device's own ACL even when an app posted for it). The readings are already stored and
 * on {@link Addresses#EVENTS}, so the message goes to {@link PostOffice#route} directly, never
 * through {@link TelemetryIngest} (which would decode and store it a second time); the post
 * office's cluster routing forwards it to other nodes.
 *
 * <p>Runs on the broker verticle's event-loop context. Metrics: {@code busbar.mqtt.ingested.routed}
 * (messages routed), {@code busbar.mqtt.ingested.refused} (tag {@code reason}: {@code acl}, {@code
 * malformed}).
 */
final class IngestedPublish {

  private final Broker broker;
  private final Counter routed;
  private final Counter deniedByAcl;
  private final Counter malformed;
  private MessageConsumer<Object> consumer;

  IngestedPublish(Broker broker, MeterRegistry registry) {
    this.broker = broker;
    this.routed =
        Counter.builder("busbar.mqtt.ingested.routed")
            .description("HTTP-ingested readings routed to MQTT subscribers")
            .register(registry);
    this.deniedByAcl = refused(registry, "acl");
    this.malformed = refused(registry, "malformed");
  }

  private static Counter refused(MeterRegistry registry, String reason) {
    return Counter.builder("busbar.mqtt.ingested.refused")
        .description("HTTP-ingested readings not routed to MQTT subscribers")
        .tag("reason", reason)
        .register(registry);
  }

  /** Registers the local consumer; call on the broker's context. */
  Future<Void> start() {
    consumer = broker.vertx().eventBus().localConsumer(Addresses.MQTT_INGESTED, this::onIngested);
    return consumer.completion();
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void onIngested(io.vertx.core.eventbus.Message<Object> delivery) {
    Message message;
    Principal device;
    try {
      JsonObject body = (JsonObject) delivery.body();
      device = principal(body);
      message = toMessage(body, device, broker.config());
    } catch (RuntimeException e) {
      // a sender bug, not a device's fault: counted, never thrown on the event loop
      malformed.increment();
      return;
    }
    if (!broker.acl().mayPublish(device, message.topic())) {
      deniedByAcl.increment();
      return;
    }
    broker.postOffice().route(message);
    routed.increment();
  }

  /**
   * The device as its own MQTT connection would be: anonymous without a token; the token's claims
   * when the device posted itself; a plain device (no roles) when an app or user posted on its
   * behalf, so the ACL judges the device's publish, not the poster's.
   */
  static Principal principal(JsonObject body) {
    String tenant = body.getString("tenant", Principal.DEFAULT_TENANT);
    String device = required(body, "device");
    String subject = body.getString("subject");
    if (subject == null) {
      return Principal.anonymous(device, tenant);
    }
    if (!subject.equals(device)) {
      return new Principal(device, tenant, Set.of(), Long.MAX_VALUE, null);
    }
    Set<String> roles = new HashSet<>();
    JsonArray list = body.getJsonArray("roles");
    if (list != null) {
      list.forEach(r -> roles.add(String.valueOf(r)));
    }
    Map<String, String> attributes = new HashMap<>();
    JsonObject attrs = body.getJsonObject("attributes");
    if (attrs != null) {
      attrs.forEach(e -> attributes.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return new Principal(subject, tenant, roles, Long.MAX_VALUE, null, null, Set.of(), attributes);
  }

  /**
   * The PUBLISH the device would have sent.
   *
   * @throws IllegalArgumentException when a field is missing or the topic is not a topic name
   */
  static Message toMessage(JsonObject body, Principal device, MqttConfig config) {
    String topic = required(body, "topic");
    TopicNames.checkName(topic, config.maxTopicLength(), config.maxTopicLevels())
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException("topic: " + problem);
            });
    Buffer payload = Buffer.buffer(Base64.getDecoder().decode(body.getString("payload", "")));
    MqttProperties props = MqttProperties.NO_PROPERTIES;
    String contentType = body.getString("contentType");
    if (contentType != null) {
      props = new MqttProperties();
      props.add(new StringProperty(MqttPropertyType.CONTENT_TYPE.value(), contentType));
    }
    // the device id stands for its client id, for no-local (MQTT 5.0 §3.8.3.1)
    return new Message(
        device.tenant(), topic, payload, 1, false, props, required(body, "device"), Long.MAX_VALUE);
  }

  private static String required(JsonObject body, String field) {
    String value = body.getString(field);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(field + " is required");
    }
    return value;
  }
}
