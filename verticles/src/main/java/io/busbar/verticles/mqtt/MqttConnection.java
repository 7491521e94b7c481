package io.busbar.verticles.mqtt;

import io.busbar.security.Principal;
import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.Outlet;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.Session;
import io.busbar.verticles.mqtt.topic.TopicNames;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.MqttDisconnectMessage;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted MQTT connection: turns the endpoint's packets into calls on the session and the post
 * office, and sends the session's deliveries out. Runs on the broker verticle's event loop.
 */
final class MqttConnection implements Outlet {

  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

  private final Broker broker;
  private final MqttEndpoint endpoint;
  private final Principal principal;
  private final Session session;
  private final boolean v5;
  private boolean closed;
  private boolean takenOver;
  private final AckSequencer acks;

  /** Bytes handed to the endpoint and not yet written to the socket (slow subscriber guard). */
  private long backlogBytes;

  private boolean choked;

  /** The client's maximum packet size (MQTT 5.0 §3.1.2.11.4); unlimited when absent. */
  private final long maxPacketSize;

  private final TopicAliases aliases;

  /** Cleared by a normal DISCONNECT (MQTT §3.14.4): the will is then not published. */
  private boolean publishWill = true;

  MqttConnection(
      Broker broker, MqttEndpoint endpoint, Principal principal, Session session, boolean v5) {
    this.broker = broker;
    this.endpoint = endpoint;
    this.principal = principal;
    this.session = session;
    this.v5 = v5;
    this.maxPacketSize =
        v5
            ? Mqtt5Properties.integer(
                endpoint.connectProperties(), MqttPropertyType.MAXIMUM_PACKET_SIZE, Long.MAX_VALUE)
            : Long.MAX_VALUE;
    this.acks = new AckSequencer(broker.metrics(), () -> !closed && endpoint.isConnected());
    this.aliases =
        new TopicAliases(
            v5 ? broker.config().topicAliasMaximum() : 0,
            v5
                ? (int)
                    Mqtt5Properties.integer(
                        endpoint.connectProperties(), MqttPropertyType.TOPIC_ALIAS_MAXIMUM, 0)
                : 0);
  }

  /** The live connection of {@code session}, or {@code null}. */
  static MqttConnection of(Session session) {
    return session.outlet() instanceof MqttConnection c ? c : null;
  }

  Principal principal() {
    return principal;
  }

  /** Called right after the CONNACK: installs the packet handlers and resumes the session. */
  void start() {
    broker.metrics().clientsConnected.incrementAndGet();
    FlushBatching.install(endpoint);
    endpoint.publishHandler(this::onPublish);
    endpoint.publishReleaseHandler(this::onPubrel);
    endpoint.publishAcknowledgeHandler(session::acknowledged);
    endpoint.publishReceivedHandler(session::received);
    endpoint.publishCompletionHandler(session::completed);
    SubscriptionHandler subscriptions =
        new SubscriptionHandler(broker, endpoint, principal, session, v5);
    endpoint.subscribeHandler(subscriptions::onSubscribe);
    endpoint.unsubscribeHandler(subscriptions::onUnsubscribe);
    endpoint.disconnectMessageHandler(this::onDisconnect);
    endpoint.exceptionHandler(this::onException);
    endpoint.closeHandler(v -> onClose());
    int receiveMaximum =
        v5
            ? (int)
                Mqtt5Properties.integer(
                    endpoint.connectProperties(), MqttPropertyType.RECEIVE_MAXIMUM, 65_535)
            : 65_535;
    session.attach(this, receiveMaximum);
  }

  // ---- incoming PUBLISH (MQTT 3.1.1 §3.3, 5.0 §3.3) ----

  private void onPublish(MqttPublishMessage m) {
    broker.metrics().messagesIn.increment();
    broker.metrics().bytesIn.increment(m.payload().length());
    String topic = m.topicName();
    int qos = m.qosLevel().value();
    int packetId = m.messageId();
    if (v5) {
      int alias = (int) Mqtt5Properties.integer(m.properties(), MqttPropertyType.TOPIC_ALIAS, 0);
      Object resolved = aliases.resolve(topic, alias);
      if (resolved instanceof TopicAliases.Problem p) {
        protocolViolation(
            p.reasonCode() == 0x94
                ? MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID
                : MqttDisconnectReasonCode.PROTOCOL_ERROR,
            p.reason());
        return;
      }
      topic = (String) resolved;
    }
    Optional<String> problem =
        TopicNames.checkName(
            topic, broker.config().maxTopicLength(), broker.config().maxTopicLevels());
    if (problem.isPresent()) {
      // MQTT 5.0 §3.3.2.1 / 3.1.1 §4.8: an invalid topic name is a protocol violation
      protocolViolation(MqttDisconnectReasonCode.TOPIC_NAME_INVALID, problem.get());
      return;
    }
    if (!broker.acl().mayPublish(principal, topic)) {
      broker.metrics().publishDenied.increment();
      denyPublish(qos, packetId);
      return;
    }
    if (v5
        && Mqtt5Properties.integer(m.properties(), MqttPropertyType.PAYLOAD_FORMAT_INDICATOR, 0)
            == 1
        && !Utf8.isValid(m.payload())) {
      // MQTT 5.0 §3.3.2.3.2: a payload announced as UTF-8 that is not; refused with 0x99
      broker.metrics().publishInvalid.increment();
      refusePublish(
          qos,
          packetId,
          MqttPubAckReasonCode.PAYLOAD_FORMAT_INVALID,
          MqttPubRecReasonCode.PAYLOAD_FORMAT_INVALID,
          "payload is not UTF-8");
      return;
    }
    if (qos == 2 && !session.firstIncomingQos2(packetId)) {
      // a retransmission of a QoS 2 message already routed: acknowledge, do not route again
      acks.inOrder(null, () -> endpoint.publishReceived(packetId));
      return;
    }
    long now = System.currentTimeMillis();
    long expiry =
        v5
            ? Mqtt5Properties.integer(
                m.properties(), MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL, -1)
            : -1;
    Message message =
        new Message(
            principal.tenant(),
            topic,
            m.payload(),
            qos,
            m.isRetain(),
            v5 ? m.properties() : MqttProperties.NO_PROPERTIES,
            session.clientId(),
            expiry < 0 ? Long.MAX_VALUE : now + expiry * 1000);
    PostOffice.Routed routed = broker.route(message);
    int receivers = routed.receivers();
    acks.inOrder(
        routed.stored(),
        () -> {
          if (qos == 1) {
            if (v5 && receivers == 0) {
              endpoint.publishAcknowledge(
                  packetId,
                  MqttPubAckReasonCode.NO_MATCHING_SUBSCRIBERS,
                  MqttProperties.NO_PROPERTIES);
            } else {
              endpoint.publishAcknowledge(packetId);
            }
          } else if (qos == 2) {
            if (v5 && receivers == 0) {
              endpoint.publishReceived(
                  packetId,
                  MqttPubRecReasonCode.NO_MATCHING_SUBSCRIBERS,
                  MqttProperties.NO_PROPERTIES);
            } else {
              endpoint.publishReceived(packetId);
            }
          }
        });
  }

  private void refusePublish(
      int qos, int packetId, MqttPubAckReasonCode ack, MqttPubRecReasonCode rec, String reason) {
    acks.inOrder(
        null,
        () -> {
          if (qos == 1) {
            endpoint.publishAcknowledge(packetId, ack, Mqtt5Properties.reasonString(reason));
          } else if (qos == 2) {
            endpoint.publishReceived(packetId, rec, Mqtt5Properties.reasonString(reason));
          }
        });
  }

  private void denyPublish(int qos, int packetId) {
    acks.inOrder(null, () -> sendDenial(qos, packetId));
  }

  private void sendDenial(int qos, int packetId) {
    if (qos == 1) {
      if (v5) {
        endpoint.publishAcknowledge(
            packetId,
            MqttPubAckReasonCode.NOT_AUTHORIZED,
            Mqtt5Properties.reasonString("not authorized to publish to this topic"));
      } else {
        // MQTT 3.1.1 has no negative PUBACK: acknowledge and drop (counted)
        endpoint.publishAcknowledge(packetId);
      }
    } else if (qos == 2) {
      if (v5) {
        endpoint.publishReceived(
            packetId,
            MqttPubRecReasonCode.NOT_AUTHORIZED,
            Mqtt5Properties.reasonString("not authorized to publish to this topic"));
      } else {
        session.firstIncomingQos2(packetId);
        endpoint.publishReceived(packetId);
      }
    }
  }

  private void onPubrel(int packetId) {
    session.releaseIncomingQos2(packetId);
    endpoint.publishComplete(packetId);
  }

  // ---- outgoing (Outlet) ----

  @Override
  public boolean publish(int packetId, Delivery delivery, boolean dup) {
    if (closed || !endpoint.isConnected()) {
      return true; // stays in flight; resent on the next connection
    }
    Message m = delivery.message();
    MqttProperties props =
        v5
            ? Mqtt5Properties.forDelivery(
                m.properties(),
                delivery.subscriptionIds(),
                m.expiresAt(),
                System.currentTimeMillis())
            : MqttProperties.NO_PROPERTIES;
    if (v5
        && PacketSize.publish(m.topic(), props, m.payload().length(), delivery.qos())
            > maxPacketSize) {
      // MQTT 5.0 §3.1.2.11.4: never send more than the client accepts; discard as if delivered
      broker.metrics().oversizedDropped.increment();
      return false;
    }
    long maxBacklog = broker.config().maxConnectionBacklogBytes();
    if (delivery.qos() == 0 && choked) {
      // a slow subscriber: QoS 0 is dropped rather than buffered without bound (counted)
      broker.metrics().slowDropped.increment();
      return true;
    }
    String topic = m.topic();
    if (v5) {
      // MQTT 5.0 §3.3.2.3.4: after the first PUBLISH of a topic, the alias alone names it
      TopicAliases.Outgoing out = aliases.outgoing(topic);
      if (out.alias() > 0) {
        props.add(
            new MqttProperties.IntegerProperty(MqttPropertyType.TOPIC_ALIAS.value(), out.alias()));
        topic = out.topic();
      }
    }
    long size = 16L + m.topic().length() + m.payload().length();
    backlogBytes += size;
    if (backlogBytes >= maxBacklog) {
      choked = true;
    }
    endpoint
        .publish(
            topic,
            m.payload(),
            MqttQoS.valueOf(delivery.qos()),
            dup,
            delivery.retain(),
            delivery.qos() == 0 ? 0 : packetId,
            props)
        .onComplete(
            ar -> {
              backlogBytes -= size;
              if (choked && backlogBytes <= maxBacklog / 2) {
                choked = false;
                session.writable(); // send what waited in the session queue
              }
            });
    broker.metrics().messagesOut.increment();
    broker.metrics().bytesOut.increment(m.payload().length());
    return true;
  }

  @Override
  public boolean writable() {
    return !choked;
  }

  @Override
  public void pubrel(int packetId) {
    if (!closed && endpoint.isConnected()) {
      endpoint.publishRelease(packetId);
    }
  }

  // ---- ending ----

  /**
   * A packet the decoder refused: too large (MQTT 5.0 §4.13, DISCONNECT 0x95) or malformed (0x81).
   * Only this connection is closed.
   */
  private void onException(Throwable t) {
    LOG.debug("connection {} failed: {}", endpoint.clientIdentifier(), t.toString());
    if (t instanceof TooLongFrameException) {
      protocolViolation(
          MqttDisconnectReasonCode.PACKET_TOO_LARGE,
          "packet larger than " + broker.config().maxMessageSize() + " bytes");
    } else if (t instanceof DecoderException) {
      protocolViolation(MqttDisconnectReasonCode.MALFORMED_PACKET, "malformed packet");
    } else {
      broker.metrics().protocolErrors.increment();
      closeQuietly(endpoint);
    }
  }

  private void protocolViolation(MqttDisconnectReasonCode code, String reason) {
    broker.metrics().protocolErrors.increment();
    LOG.debug("closing {}: {}", endpoint.clientIdentifier(), reason);
    if (v5 && endpoint.isConnected()) {
      endpoint.disconnect(code, Mqtt5Properties.reasonString(reason));
    }
    closeQuietly(endpoint);
  }

  /** Closes an endpoint that a DISCONNECT may already have closed. */
  static void closeQuietly(MqttEndpoint endpoint) {
    try {
      endpoint.close();
    } catch (IllegalStateException | IllegalArgumentException alreadyClosed) {
      // vertx-mqtt closes the endpoint after a server DISCONNECT; nothing left to do
    }
  }

  /** The broker is stopping: 5.0 clients get DISCONNECT 0x8B; no will is published. */
  void serverShuttingDown() {
    publishWill = false;
    if (v5 && endpoint.isConnected()) {
      endpoint.disconnect(
          MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN, MqttProperties.NO_PROPERTIES);
    }
    closeQuietly(endpoint);
  }

  /** Another connection took the session over (MQTT 3.1.1 §3.1.4, 5.0 §3.1.4, reason 0x8E). */
  void takenOver() {
    takenOver = true;
    session.detach(this);
    if (v5 && endpoint.isConnected()) {
      endpoint.disconnect(
          MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
    }
    closeQuietly(endpoint);
  }

  private void onDisconnect(MqttDisconnectMessage m) {
    MqttDisconnectReasonCode code = m == null ? MqttDisconnectReasonCode.NORMAL : m.code();
    ConnectHandler.logDisconnect(endpoint, code);
    // MQTT 5.0 §3.14.2.1: 0x04 asks for the will; every other reason discards it
    publishWill = code == MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
    if (v5 && m != null && session.isPersistent()) {
      long expiry =
          Mqtt5Properties.integer(m.properties(), MqttPropertyType.SESSION_EXPIRY_INTERVAL, -1);
      if (expiry >= 0) {
        // §3.14.2.2.2: a session that had expiry > 0 may change it on DISCONNECT
        session.expiryIntervalSeconds(Math.min(expiry, broker.config().maxSessionExpirySeconds()));
        if (session.isPersistent()) {
          broker
              .sessionStore()
              .sessionSaved(session.tenant(), session.clientId(), session.expiryIntervalSeconds());
        }
      }
    }
  }

  private void onClose() {
    if (closed) {
      return;
    }
    closed = true;
    broker.metrics().clientsConnected.decrementAndGet();
    session.detach(this);
    boolean stillRegistered =
        broker.sessions().get(session.tenant(), session.clientId()).orElse(null) == session;
    if (publishWill) {
      LastWill.schedule(
          broker, session, principal, endpoint.will(), v5, stillRegistered, takenOver);
    }
    if (!stillRegistered || session.isConnected()) {
      return;
    }
    if (!session.isPersistent()) {
      SessionEnd.discard(broker, session);
    } else {
      SessionEnd.scheduleExpiry(broker, session);
    }
  }
}
