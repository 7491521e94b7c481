package io.busbar.verticles.mqtt;

import io.busbar.security.Principal;
import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.Session;
import io.busbar.verticles.mqtt.session.Subscription;
import io.busbar.verticles.mqtt.topic.TopicNames;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttUnsubAckReasonCode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * SUBSCRIBE and UNSUBSCRIBE of one connection (MQTT 3.1.1 §3.8 and §3.10, 5.0 §3.8 and §3.10):
 * filter validation, the subscribe ACL, subscription options and identifiers, retained messages per
 * retain handling. Runs on the broker verticle's event loop.
 */
final class SubscriptionHandler {

  private final Broker broker;
  private final BrokerSecurity security;
  private final MqttEndpoint endpoint;
  private Principal principal;
  private final Session session;
  private final boolean v5;

  /** Ends the connection for a protocol violation: DISCONNECT with the code and reason string. */
  private final BiConsumer<MqttDisconnectReasonCode, String> protocolViolation;

  SubscriptionHandler(
      Broker broker,
      BrokerSecurity security,
      MqttEndpoint endpoint,
      Principal principal,
      Session session,
      boolean v5,
      BiConsumer<MqttDisconnectReasonCode, String> protocolViolation) {
    this.protocolViolation = protocolViolation;
    this.broker = broker;
    this.security = security;
    this.endpoint = endpoint;
    this.principal = principal;
    this.session = session;
    this.v5 = v5;
  }

  /** After a re-authentication: the new token's principal (same device, maybe other roles). */
  void principal(Principal principal) {
    this.principal = principal;
  }

  void onSubscribe(MqttSubscribeMessage m) {
    long requestedId =
        v5
            ? Mqtt5Properties.integer(m.properties(), MqttPropertyType.SUBSCRIPTION_IDENTIFIER, -1)
            : -1;
    if (requestedId == 0) {
      // MQTT 5.0 §3.8.2.1.2: identifiers run from 1; 0 is a protocol error
      protocolViolation.accept(
          MqttDisconnectReasonCode.PROTOCOL_ERROR, "subscription identifier 0");
      return;
    }
    int subscriptionId = (int) Math.max(0, requestedId);
    List<MqttSubAckReasonCode> codes = new ArrayList<>();
    List<Delivery> retained = new ArrayList<>();
    for (MqttTopicSubscription ts : m.topicSubscriptions()) {
      String filter = ts.topicName();
      if (TopicNames.checkFilter(
              filter, broker.config().maxTopicLength(), broker.config().maxTopicLevels())
          .isPresent()) {
        codes.add(
            v5
                ? MqttSubAckReasonCode.TOPIC_FILTER_INVALID
                : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      if (!broker.acl().maySubscribe(principal, TopicNames.innerFilter(filter))) {
        broker.metrics().subscribeDenied.increment();
        security.denied(
            principal,
            io.busbar.security.audit.AuditEvent.Action.SUBSCRIBE_DENIED,
            filter,
            "ACL",
            ConnectHandler.sourceAddress(endpoint));
        codes.add(
            v5 ? MqttSubAckReasonCode.NOT_AUTHORIZED : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      int qos = Math.min(2, Math.max(0, ts.qualityOfService().value()));
      MqttSubscriptionOption o = ts.subscriptionOption();
      if (v5 && o != null && o.isNoLocal() && TopicNames.isShared(filter)) {
        // MQTT 5.0 §3.8.3.1: no-local on a shared subscription is a protocol error
        protocolViolation.accept(
            MqttDisconnectReasonCode.PROTOCOL_ERROR, "no-local on a shared subscription");
        return;
      }
      Subscription sub =
          v5 && o != null
              ? new Subscription(
                  filter,
                  qos,
                  o.isNoLocal(),
                  o.isRetainAsPublished(),
                  o.retainHandling().value(),
                  subscriptionId)
              : Subscription.of(filter, qos);
      boolean existed = broker.postOffice().subscribe(session, sub);
      if (session.isPersistent()) {
        broker.sessionStore().subscribed(session.tenant(), session.clientId(), sub);
      }
      codes.add(MqttSubAckReasonCode.qosGranted(MqttQoS.valueOf(qos)));
      // MQTT 5.0 §3.3.1.3 retain handling: 0 always, 1 only for a new subscription, 2 never
      if (sub.retainHandling() == 0 || (sub.retainHandling() == 1 && !existed)) {
        List<Integer> ids = subscriptionId > 0 ? List.of(subscriptionId) : List.of();
        for (Message r : broker.postOffice().retainedFor(principal.tenant(), filter)) {
          retained.add(new Delivery(r, Math.min(qos, r.qos()), true, ids));
        }
      }
    }
    endpoint.subscribeAcknowledge(m.messageId(), codes, MqttProperties.NO_PROPERTIES);
    long now = System.currentTimeMillis();
    for (Delivery d : retained) {
      if (!d.message().isExpired(now)) {
        session.deliver(d);
      }
    }
  }

  void onUnsubscribe(MqttUnsubscribeMessage m) {
    List<MqttUnsubAckReasonCode> codes = new ArrayList<>();
    for (String filter : m.topics()) {
      if (TopicNames.checkFilter(filter).isPresent()) {
        codes.add(MqttUnsubAckReasonCode.TOPIC_FILTER_INVALID); // MQTT 5.0 §3.11.3
        continue;
      }
      boolean existed = broker.postOffice().unsubscribe(session, filter);
      if (existed && session.isPersistent()) {
        broker.sessionStore().unsubscribed(session.tenant(), session.clientId(), filter);
      }
      codes.add(
          existed
              ? MqttUnsubAckReasonCode.SUCCESS
              : MqttUnsubAckReasonCode.NO_SUBSCRIPTION_EXISTED);
    }
    if (v5) {
      endpoint.unsubscribeAcknowledge(m.messageId(), codes, MqttProperties.NO_PROPERTIES);
    } else {
      endpoint.unsubscribeAcknowledge(m.messageId());
    }
  }
}
