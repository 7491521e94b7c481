package io.busbar.verticles.mqtt;

import io.busbar.security.AuthenticationException;
import io.busbar.security.Principal;
import io.busbar.security.audit.AuditEvent;
import io.busbar.security.ratelimit.RateLimiter;
import io.busbar.verticles.mqtt.session.Delivery;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.Outlet;
import io.busbar.verticles.mqtt.session.PostOffice;
import io.busbar.verticles.mqtt.session.Session;
import io.busbar.verticles.mqtt.topic.TopicNames;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttAuthenticateReasonCode;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubCompReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted MQTT connection: turns the endpoint's packets into calls on the session and the post
 * office, and sends the session's deliveries out. Runs on the broker verticle's event loop.
 *
 * <p>Its token bounds its life: when the token expires without a re-authentication the connection
 * is closed (5.0: DISCONNECT 0xA0 maximum connect time, reason string "token expired"; 3.1.1: the
 * connection is closed). A client certificate that named the device bounds it the same way at its
 * notAfter ("certificate expired"; a re-authentication cannot move that); with both, the earlier
 * ends the connection. When the token or device is revoked it is closed (5.0: DISCONNECT 0x87 not
 * authorized, "revoked") without its will. A 5.0 client that connected with method {@value
 * ConnectHandler#AUTH_METHOD_JWT} may re-authenticate with an AUTH packet carrying a fresh token of
 * the same device (MQTT 5.0 §4.12.1). A device's PUBLISHes are held to its rates (5.0:
 * PUBACK/PUBREC 0x97 quota exceeded; QoS 0 and 3.1.1: dropped and counted).
 */
final class MqttConnection implements Outlet, MqttEndpoint.Packets {

  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

  private final Broker broker;
  private final BrokerSecurity security;
  private final TokenCache tokens;
  private final MqttEndpoint endpoint;
  private Principal principal;

  /** The enhanced authentication method of the CONNECT (MQTT 5.0 §3.1.2.11.9), or {@code null}. */
  private final String authMethod;

  /** The client's IP address, for the audit trail and per-source limits. */
  private final String source;

  /** When the token (or certificate) ends this connection, on the broker's one timer. */
  private Deadlines.Deadline tokenDeadline;

  /**
   * The notAfter (epoch ms) of the client certificate that named the device, or {@code
   * Long.MAX_VALUE} when no certificate was used for identity.
   */
  private final long certificateNotAfter;

  private boolean reauthenticating;
  private long lastDenialAudit;
  private long lastThrottleAudit;
  private SubscriptionHandler subscriptions;
  private final Session session;
  private final boolean v5;
  private boolean closed;
  private boolean takenOver;
  private final AckSequencer acks;

  /** The client's maximum packet size (MQTT 5.0 §3.1.2.11.4); unlimited when absent. */
  private final long maxPacketSize;

  private final TopicAliases aliases;

  /**
   * QoS 1 PUBLISHes of a 5.0 client not yet answered with PUBACK, and QoS 2 ones not yet answered
   * with PUBCOMP or a failing PUBREC (MQTT 5.0 §4.9): at most the Receive Maximum of the CONNACK.
   */
  private int inboundUnacknowledged;

  /** A DISCONNECT was sent and the connection is closing: nothing more is written to it. */
  private boolean disconnecting;

  /** The connection's context (its event loop), from {@link #start()} on. */
  private Context context;

  /** Completed when the connection is closed after the server ended it ({@link #end}). */
  private Future<Void> ended = Future.succeededFuture();

  /** Cleared by a normal DISCONNECT (MQTT §3.14.4): the will is then not published. */
  private boolean publishWill = true;

  MqttConnection(
      Broker broker,
      BrokerSecurity security,
      TokenCache tokens,
      MqttEndpoint endpoint,
      Principal principal,
      Session session,
      boolean v5,
      String authMethod,
      String source,
      long certificateNotAfter) {
    this.broker = broker;
    this.certificateNotAfter = certificateNotAfter;
    this.security = security;
    this.tokens = tokens;
    this.authMethod = authMethod;
    this.source = source;
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

  /**
   * Called right before the CONNACK: counts the connection (its close uncounts it), so a client
   * that has its CONNACK finds itself in {@code busbar.mqtt.clients.connected} and {@code
   * $SYS/broker/clients/connected}.
   */
  void countConnected() {
    broker.metrics().clientsConnected.incrementAndGet();
  }

  /** Called right after the CONNACK: installs the packet handlers and resumes the session. */
  void start() {
    context = Vertx.currentContext();
    subscriptions =
        new SubscriptionHandler(
            broker, security, endpoint, principal, session, v5, this::protocolViolation);
    scheduleExpiry();
    int receiveMaximum =
        v5
            ? (int)
                Mqtt5Properties.integer(
                    endpoint.connectProperties(), MqttPropertyType.RECEIVE_MAXIMUM, 65_535)
            : 65_535;
    session.attach(this, receiveMaximum);
    endpoint.startReading(this);
  }

  // packets decoded in the same read as one that ended the connection are not acted on

  @Override
  public void onPuback(int packetId) {
    unlessDisconnecting(() -> session.acknowledged(packetId));
  }

  @Override
  public void onPubrec(int packetId) {
    unlessDisconnecting(() -> session.received(packetId));
  }

  @Override
  public void onPubcomp(int packetId) {
    unlessDisconnecting(() -> session.completed(packetId));
  }

  @Override
  public void onSubscribe(MqttSubscribeMessage m) {
    unlessDisconnecting(() -> subscriptions.onSubscribe(m));
  }

  @Override
  public void onUnsubscribe(MqttUnsubscribeMessage m) {
    unlessDisconnecting(() -> subscriptions.onUnsubscribe(m));
  }

  @Override
  public void onWritable() {
    session.writable(); // send what waited in the session queue
  }

  // ---- incoming PUBLISH (MQTT 3.1.1 §3.3, 5.0 §3.3) ----

  @Override
  public void onPublish(MqttPublishMessage m) {
    if (disconnecting) {
      return; // decoded before the DISCONNECT went out; ignored like what follows it
    }
    broker.metrics().messagesIn.increment();
    broker.metrics().bytesIn.increment(m.payload().length());
    String topic = m.topicName();
    int qos = m.qosLevel().value();
    int packetId = m.messageId();
    if (v5 && qos > 0 && !(qos == 2 && session.hasIncomingQos2(packetId))) {
      // a retransmitted QoS 2 PUBLISH (its id still awaits PUBREL) is not a new one in flight
      if (inboundUnacknowledged >= broker.config().receiveMaximum()) {
        // MQTT 5.0 §3.3.4: more than Receive Maximum unacknowledged is a protocol error, 0x93
        protocolViolation(
            MqttDisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
            "more than " + broker.config().receiveMaximum() + " unacknowledged QoS 1/2 PUBLISHes");
        return;
      }
      inboundUnacknowledged++;
    }
    if (v5) {
      if (Mqtt5Properties.integer(m.properties(), MqttPropertyType.SUBSCRIPTION_IDENTIFIER, -1)
          >= 0) {
        // MQTT 5.0 §3.3.4 [MQTT-3.3.4-6]: a client's PUBLISH carries no subscription identifier
        protocolViolation(
            MqttDisconnectReasonCode.PROTOCOL_ERROR, "subscription identifier in a PUBLISH");
        return;
      }
      int alias =
          (int)
              Mqtt5Properties.integer(
                  m.properties(), MqttPropertyType.TOPIC_ALIAS, TopicAliases.ABSENT);
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
      long now = System.currentTimeMillis();
      if (now - lastDenialAudit >= AUDIT_INTERVAL_MILLIS) {
        // one audit event per connection and second: a client looping on a denied topic must
        // not flood the trail (every denial is still counted)
        lastDenialAudit = now;
        security.denied(principal, AuditEvent.Action.PUBLISH_DENIED, topic, "ACL", source);
      }
      denyPublish(qos, packetId);
      return;
    }
    if (BrokerSecurity.rateLimited(principal)) {
      RateLimiter.Verdict verdict =
          security.rateLimiter.tryPublish(
              principal.tenant(), principal.subject(), m.payload().length());
      if (verdict != RateLimiter.Verdict.ALLOWED) {
        throttled(qos, packetId, topic, verdict);
        return;
      }
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
    // QoS 2: the packet id is written after the routed copies, so PUBREC waits for both
    Future<Void> durable =
        qos == 2 ? both(routed.stored(), session.incomingQos2Routed(packetId)) : routed.stored();
    acks.inOrder(
        durable,
        () -> {
          if (qos == 1) {
            inboundAnswered();
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
            inboundAnswered();
            endpoint.publishAcknowledge(packetId, ack, Mqtt5Properties.reasonString(reason));
          } else if (qos == 2) {
            inboundAnswered(); // a PUBREC of 0x80 or more ends the exchange (MQTT 5.0 §4.3.3)
            endpoint.publishReceived(packetId, rec, Mqtt5Properties.reasonString(reason));
          }
        });
  }

  /** Audit events of one kind per connection at most this often. */
  private static final long AUDIT_INTERVAL_MILLIS = 1000;

  /**
   * A PUBLISH over the device's rate (MQTT 5.0 §3.4.2.1 / §3.5.2.1: 0x97 quota exceeded). 3.1.1 has
   * no negative acknowledgement: the message is acknowledged and dropped, like QoS 0 ones.
   */
  private void throttled(int qos, int packetId, String topic, RateLimiter.Verdict verdict) {
    security.publishThrottled.increment();
    long now = System.currentTimeMillis();
    if (now - lastThrottleAudit >= AUDIT_INTERVAL_MILLIS) {
      lastThrottleAudit = now;
      security.denied(principal, AuditEvent.Action.PUBLISH_DENIED, topic, verdict.name(), source);
    }
    if (v5) {
      refusePublish(
          qos,
          packetId,
          MqttPubAckReasonCode.QUOTA_EXCEEDED,
          MqttPubRecReasonCode.QUOTA_EXCEEDED,
          "publish rate limit exceeded");
    } else if (qos == 1) {
      acks.inOrder(null, () -> endpoint.publishAcknowledge(packetId));
    } else if (qos == 2) {
      session.firstIncomingQos2(packetId);
      acks.inOrder(null, () -> endpoint.publishReceived(packetId));
    }
  }

  private void denyPublish(int qos, int packetId) {
    acks.inOrder(null, () -> sendDenial(qos, packetId));
  }

  private void sendDenial(int qos, int packetId) {
    if (qos == 1) {
      inboundAnswered();
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
        inboundAnswered(); // 0x87 ends the exchange
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

  @Override
  public void onPubrel(int packetId) {
    if (disconnecting) {
      return;
    }
    if (v5 && !session.hasIncomingQos2(packetId)) {
      // MQTT 5.0 §3.7.2.1: 0x92 packet identifier not found
      acks.inOrder(
          null,
          () ->
              endpoint.publishComplete(
                  packetId,
                  MqttPubCompReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
                  MqttProperties.NO_PROPERTIES));
      return;
    }
    // a persistent session's store forgets the id before PUBCOMP (MQTT 5.0 §4.3.3)
    acks.inOrder(
        session.releaseIncomingQos2(packetId),
        () -> {
          inboundAnswered();
          endpoint.publishComplete(packetId);
        });
  }

  private void unlessDisconnecting(Runnable action) {
    if (!disconnecting) {
      action.run();
    }
  }

  /** A QoS 1/2 PUBLISH of the client is answered for good: one more may be in flight. */
  private void inboundAnswered() {
    if (inboundUnacknowledged > 0) {
      inboundUnacknowledged--;
    }
  }

  /** Both futures (either may be {@code null}: nothing to wait for). */
  private static Future<Void> both(Future<Void> a, Future<Void> b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : Future.all(a, b).mapEmpty();
  }

  // ---- outgoing (Outlet) ----

  @Override
  public boolean publish(int packetId, Delivery delivery, boolean dup) {
    if (closed || disconnecting || !endpoint.isConnected()) {
      return true; // stays in flight; resent on the next connection
    }
    Message m = delivery.message();
    if (delivery.qos() == 0
        && !(v5 && (aliases.outgoingEnabled() || !delivery.subscriptionIds().isEmpty()))) {
      // the calling thread's: deliveries of one message to many subscribers share one encoding
      ByteBuf bytes = SharedPublish.current().encoded(m, delivery.retain(), v5);
      if (bytes != null) {
        return publishShared(m, bytes);
      }
    }
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
    if (delivery.qos() == 0 && !endpoint.isWritable()) {
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
    // the channel's write-buffer water marks (mqtt.max-connection-backlog-bytes) tell when the
    // connection is full (writable() false) and when it drained to half (onWritable)
    endpoint.publish(
        topic,
        m.payload(),
        MqttQoS.valueOf(delivery.qos()),
        dup,
        delivery.retain(),
        delivery.qos() == 0 ? 0 : packetId,
        props);
    broker.metrics().messagesOut.increment();
    broker.metrics().bytesOut.increment(m.payload().length());
    return true;
  }

  /** As {@link #publish}, for the QoS 0 bytes every such subscriber of the message gets. */
  private boolean publishShared(Message m, ByteBuf bytes) {
    if (bytes.readableBytes() > maxPacketSize) {
      // MQTT 5.0 §3.1.2.11.4: never send more than the client accepts; discard as if delivered
      bytes.release();
      broker.metrics().oversizedDropped.increment();
      return false;
    }
    if (!endpoint.isWritable()) {
      // a slow subscriber: QoS 0 is dropped rather than buffered without bound (counted)
      bytes.release();
      broker.metrics().slowDropped.increment();
      return true;
    }
    endpoint.write(bytes);
    broker.metrics().messagesOut.increment();
    broker.metrics().bytesOut.increment(m.payload().length());
    return true;
  }

  @Override
  public boolean writable() {
    return endpoint.isWritable();
  }

  @Override
  public void pubrel(int packetId) {
    if (!closed && endpoint.isConnected()) {
      endpoint.publishRelease(packetId);
    }
  }

  // ---- the token's life (MQTT 5.0 §4.12) ----

  /**
   * Closes the connection when its token expires (unless re-authenticated before) or its client
   * certificate does, whichever comes first.
   */
  private void scheduleExpiry() {
    broker.deadlines().cancel(tokenDeadline);
    tokenDeadline = null;
    boolean certificate = certificateNotAfter < principal.expiresAt();
    long end = Math.min(principal.expiresAt(), certificateNotAfter);
    if (end == Long.MAX_VALUE) {
      return;
    }
    tokenDeadline = broker.deadlines().add(end, () -> expired(certificate));
  }

  private void expired(boolean certificate) {
    tokenDeadline = null;
    if (closed || !endpoint.isConnected()) {
      return;
    }
    String what = certificate ? "certificate" : "token";
    (certificate ? security.certificateExpiredDisconnects : security.expiredDisconnects)
        .increment();
    security.denied(
        principal,
        AuditEvent.Action.EXPIRED_DISCONNECT,
        session.clientId(),
        certificate ? "CERTIFICATE_EXPIRED" : "EXPIRED",
        source);
    LOG.debug("closing {}: {} expired", endpoint.clientIdentifier(), what);
    // MQTT 5.0 §3.14.2.1: 0xA0 maximum connect time
    end(
        MqttDisconnectReasonCode.MAXIMUM_CONNECT_TIME,
        Mqtt5Properties.reasonString(what + " expired"));
  }

  /**
   * The token or device of this connection was revoked: closed at once, its will not published (a
   * revoked identity publishes nothing more).
   */
  void revoked() {
    if (closed || !endpoint.isConnected()) {
      return;
    }
    publishWill = false;
    security.revokedDisconnects.increment();
    security.denied(
        principal, AuditEvent.Action.REVOKED_DISCONNECT, session.clientId(), "REVOKED", source);
    end(MqttDisconnectReasonCode.NOT_AUTHORIZED, Mqtt5Properties.reasonString("revoked"));
  }

  /**
   * An AUTH packet (MQTT 5.0 §3.15, §4.12.1): re-authentication with a fresh token of the same
   * device and tenant. Success answers AUTH 0x00 and moves the expiry; a refusal closes the
   * connection with DISCONNECT 0x87 (not authorized) or 0x82 (protocol error).
   */
  @Override
  public void onAuth(MqttAuthenticateReasonCode code, MqttProperties properties) {
    if (closed) {
      return;
    }
    if (authMethod == null
        || !authMethod.equals(
            Mqtt5Properties.string(properties, MqttPropertyType.AUTHENTICATION_METHOD))) {
      // §4.12.1: re-authentication must use the CONNECT's method; without one AUTH is an error
      security.reauthRefused.increment();
      // §4.12.1: another method (or AUTH without one at CONNECT) is a protocol error, 0x82
      protocolViolation(
          MqttDisconnectReasonCode.PROTOCOL_ERROR,
          "re-authentication must use the CONNECT's authentication method");
      return;
    }
    if (code != MqttAuthenticateReasonCode.RE_AUTHENTICATE || reauthenticating) {
      // the JWT method is a single step: the server never asks to continue (0x18)
      security.reauthRefused.increment();
      protocolViolation(MqttDisconnectReasonCode.PROTOCOL_ERROR, "unexpected AUTH packet");
      return;
    }
    String token = ConnectHandler.authenticationData(properties);
    reauthenticating = true;
    Context context = Vertx.currentContext();
    security
        .authGuard
        .authenticate(source, token, tokens::authenticate)
        .onComplete(ar -> context.runOnContext(v -> reauthenticated(ar)));
  }

  private void reauthenticated(io.vertx.core.AsyncResult<Principal> ar) {
    reauthenticating = false;
    if (closed || !endpoint.isConnected()) {
      return;
    }
    String reason = null;
    if (ar.failed()) {
      reason =
          ar.cause() instanceof AuthenticationException ae
              ? ae.reason().name()
              : ConnectHandler.class.getSimpleName() + " error";
    } else if (security.revocations.isRevoked(ar.result())) {
      reason = AuthenticationException.Reason.REVOKED.name();
    } else if (!ar.result().subject().equals(principal.subject())
        || !ar.result().tenant().equals(principal.tenant())) {
      reason = AuthenticationException.Reason.IDENTITY_MISMATCH.name();
    }
    if (reason != null) {
      security.reauthRefused.increment();
      security.denied(principal, AuditEvent.Action.CONNECT, "reauth", reason, source);
      LOG.debug("closing {}: re-authentication refused ({})", endpoint.clientIdentifier(), reason);
      end(
          MqttDisconnectReasonCode.NOT_AUTHORIZED,
          Mqtt5Properties.reasonString("re-authentication failed"));
      return;
    }
    principal = ar.result();
    subscriptions.principal(principal);
    scheduleExpiry();
    security.reauthAccepted.increment();
    security.allowed(principal, AuditEvent.Action.CONNECT, "reauth", source);
    MqttProperties props = new MqttProperties();
    props.add(
        new MqttProperties.StringProperty(
            MqttPropertyType.AUTHENTICATION_METHOD.value(), authMethod));
    endpoint.authenticationExchange(MqttAuthenticateReasonCode.SUCCESS, props);
  }

  // ---- ending ----

  /**
   * A packet the decoder refused: too large (MQTT 5.0 §4.13, DISCONNECT 0x95), a PUBLISH to a
   * wildcard topic name (0x90) or malformed (0x81). Only this connection is closed.
   */
  @Override
  public void onFailure(Throwable t) {
    if (disconnecting || closed) {
      return; // ending already: e.g. the client reset the connection while it lingered
    }
    LOG.debug("connection {} failed: {}", endpoint.clientIdentifier(), t.toString());
    if (t instanceof MqttEndpoint.ProtocolError p) {
      protocolViolation(p.code, p.getMessage());
    } else if (t instanceof TooLongFrameException) {
      protocolViolation(
          MqttDisconnectReasonCode.PACKET_TOO_LARGE,
          "packet larger than " + broker.config().maxMessageSize() + " bytes");
    } else if (t instanceof DecoderException && isWildcardTopicName(t)) {
      // MQTT 5.0 §3.3.2.1 / §4.7.1: a topic name must not contain wildcards; Netty's decoder
      // refuses the PUBLISH before we see it, but the reason is 0x90, not malformed (0x81)
      protocolViolation(
          MqttDisconnectReasonCode.TOPIC_NAME_INVALID, "topic name contains a wildcard");
    } else if (t instanceof DecoderException) {
      protocolViolation(MqttDisconnectReasonCode.MALFORMED_PACKET, "malformed packet");
    } else {
      // the network's, not the client's: a reset connection, a broken pipe
      endpoint.close();
    }
  }

  /** MQTT 3.1.1 / 5.0 §3.1.2.10: silent for 1.5 × the keep alive; 5.0 gets DISCONNECT 0x8D. */
  @Override
  public void onKeepAliveTimeout() {
    LOG.debug("closing {}: keep alive timeout", endpoint.clientIdentifier());
    end(MqttDisconnectReasonCode.KEEP_ALIVE_TIMEOUT, MqttProperties.NO_PROPERTIES);
  }

  /** Netty's MqttDecoder: "invalid publish topic name: … (contains wildcards)". */
  private static boolean isWildcardTopicName(Throwable t) {
    String message = t.getMessage();
    return message != null
        && message.contains("invalid publish topic name")
        && message.contains("wildcards");
  }

  /** Ends the connection for a protocol violation (5.0: DISCONNECT {@code code}). */
  private void protocolViolation(MqttDisconnectReasonCode code, String reason) {
    if (disconnecting || closed) {
      return; // one DISCONNECT per connection (MQTT 5.0 §4.13.2)
    }
    broker.metrics().protocolErrors.increment();
    LOG.debug("closing {}: {}", endpoint.clientIdentifier(), reason);
    end(code, Mqtt5Properties.reasonString(reason));
  }

  /**
   * The one way the server ends a connection. A 5.0 client gets DISCONNECT {@code code} and the
   * chance to read it even while it is still sending ({@link LingeringClose}: what it sends from
   * now on is discarded, the socket is closed when it closes its side, at the latest after {@link
   * LingeringClose#LINGER_MILLIS}); a 3.1.1 client, which has no server DISCONNECT, is closed at
   * once. Either way nothing more is delivered to or accepted from the client, and the connection
   * ends for the broker (session detached, will per {@link #publishWill}, gauge uncounted) right
   * after the current event-loop task, as a close did before lingering existed: not when the socket
   * finally closes.
   */
  private void end(MqttDisconnectReasonCode code, MqttProperties properties) {
    if (disconnecting || closed) {
      return; // one DISCONNECT per connection (MQTT 5.0 §4.13.2)
    }
    disconnecting = true;
    if (v5 && context != null && endpoint.isConnected()) {
      ended = endpoint.disconnect(code.value(), properties);
      context.runOnContext(v -> onClose());
      return;
    }
    endpoint.close();
  }

  /**
   * The broker is stopping: 5.0 clients get DISCONNECT 0x8B; no will is published.
   *
   * @return a future completed when the connection is closed, at the latest {@link
   *     LingeringClose#LINGER_MILLIS} from now; it never fails
   */
  Future<Void> serverShuttingDown() {
    publishWill = false;
    // now, while the session store is still open: a graceful stop publishes no will
    broker.sessionStore().willCleared(session.tenant(), session.clientId());
    end(MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN, MqttProperties.NO_PROPERTIES);
    return ended;
  }

  /** Another connection took the session over (MQTT 3.1.1 §3.1.4, 5.0 §3.1.4, reason 0x8E). */
  void takenOver() {
    takenOver = true;
    session.detach(this);
    end(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
  }

  @Override
  public void onDisconnect(MqttDisconnectReasonCode code, MqttProperties properties) {
    ConnectHandler.logDisconnect(endpoint, code);
    long expiry =
        v5 ? Mqtt5Properties.integer(properties, MqttPropertyType.SESSION_EXPIRY_INTERVAL, -1) : -1;
    if (expiry > 0 && !session.isPersistent()) {
      // MQTT 5.0 §3.14.2.2.2: after an interval of 0 a non-zero one makes the DISCONNECT invalid,
      // a Protocol Error; the connection ends as without a DISCONNECT, so the will stands
      protocolViolation(
          MqttDisconnectReasonCode.PROTOCOL_ERROR,
          "session expiry interval on DISCONNECT after 0 on CONNECT");
      return;
    }
    // MQTT 5.0 §3.14.2.1: 0x04 asks for the will; every other reason discards it
    publishWill = code == MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
    if (v5 && session.isPersistent()) {
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

  @Override
  public void onClose() {
    if (closed) {
      return;
    }
    closed = true;
    broker.deadlines().cancel(tokenDeadline);
    tokenDeadline = null;
    security.rateLimiter.forgetDevice(principal.tenant(), principal.subject());
    broker.metrics().clientsConnected.decrementAndGet();
    session.detach(this);
    boolean stillRegistered =
        broker.sessions().get(session.tenant(), session.clientId()).orElse(null) == session;
    if (publishWill) {
      LastWill.schedule(
          broker, session, principal, endpoint.will(), v5, stillRegistered, takenOver);
    } else if (!takenOver && stillRegistered) {
      // no will is due: a crash from now on must not publish it either
      broker.sessionStore().willCleared(session.tenant(), session.clientId());
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
