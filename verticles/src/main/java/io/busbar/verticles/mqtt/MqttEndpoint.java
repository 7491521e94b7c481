package io.busbar.verticles.mqtt;

import io.busbar.verticles.mqtt.topic.TopicNames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttWill;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttAuthenticateReasonCode;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubCompReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttUnsubAckReasonCode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;

/**
 * The broker's end of one MQTT connection: the last handler of the connection's Netty pipeline,
 * after Netty's MQTT decoder and encoder. It reads the CONNECT, hands the endpoint to the {@link
 * ConnectHandler} and, once accepted, the client's packets to its {@link Packets} (the {@link
 * MqttConnection}); it writes the broker's packets. Every call into the broker runs on the broker
 * verticle's context (the connection is served on its event loop).
 *
 * <p>What it decides itself (MQTT 3.1.1 §3.1, 5.0 §3.1): the first packet must be a CONNECT (else
 * the connection is closed), a second CONNECT is a protocol error, an unsupported protocol level
 * gets CONNACK 0x01, a rejected client id (one the decoder refuses, or ill-formed UTF-8) 0x02 (5.0:
 * 0x85), a 3.1.1 zero-length client id without clean session 0x02; a 5.0 keep alive longer than the
 * server's (or none) is cut to the server's Server Keep Alive; a 5.0 password may come without a
 * user name (§3.1.2.9). Packets that follow the CONNECT before it is answered (the token is being
 * checked) are held and handled after the CONNACK, in order; the socket is not read meanwhile. Once
 * it closes the connection (after the client's DISCONNECT, a first packet that is not a CONNECT, …)
 * it acts on nothing decoded after that, even from the same read. PINGREQ is answered here. The
 * keep-alive (1.5 × the keep alive, MQTT §3.1.2.10) and the CONNECT timeout are checked by {@link
 * IdleSweep}.
 */
final class MqttEndpoint extends ChannelInboundHandlerAdapter {

  /** What the accepted connection does with the client's packets. */
  interface Packets {
    void onPublish(MqttPublishMessage message);

    void onPuback(int packetId);

    void onPubrec(int packetId);

    void onPubrel(int packetId);

    void onPubcomp(int packetId);

    void onSubscribe(io.vertx.mqtt.messages.MqttSubscribeMessage message);

    void onUnsubscribe(io.vertx.mqtt.messages.MqttUnsubscribeMessage message);

    /** A client DISCONNECT (3.1.1: code NORMAL, no properties); the connection closes after. */
    void onDisconnect(MqttDisconnectReasonCode code, MqttProperties properties);

    void onAuth(MqttAuthenticateReasonCode code, MqttProperties properties);

    /** A packet the decoder refused, or one that breaks the protocol. */
    void onFailure(Throwable failure);

    /** The client was silent for 1.5 × its keep alive. */
    void onKeepAliveTimeout();

    /** The connection's output drained below half its limit after it was full. */
    void onWritable();

    void onClose();
  }

  /** A packet that breaks the protocol in a way the decoder does not see. */
  static final class ProtocolError extends RuntimeException {
    final MqttDisconnectReasonCode code;

    ProtocolError(MqttDisconnectReasonCode code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  private enum State {
    AWAITING_CONNECT,
    CONNECTING,
    CONNECTED,
    REFUSED
  }

  private final ContextInternal context;
  private final Consumer<MqttEndpoint> connects;
  private final IdleSweep sweep;
  private final int serverKeepAliveSeconds;
  private Channel channel;
  private State state = State.AWAITING_CONNECT;
  private boolean closed;

  /**
   * {@link #close} was called: packets decoded after it (from the same read, or held since the
   * CONNECT) are not acted on — e.g. a PUBLISH written after the client's DISCONNECT
   * ([MQTT-3.14.4-1]), or a CONNECT after a first packet that was not one.
   */
  private boolean closing;

  /** Packets read after the CONNECT, before it was answered. */
  private ArrayDeque<Object> held;

  private Packets packets;
  private Runnable closeHandler;

  /** When a packet was last read, on the {@link IdleSweep}'s clock. */
  long lastRead;

  /** How long the client may stay silent (ms); {@code Long.MAX_VALUE} for ever. */
  long idleLimit;

  private int protocolVersion;
  private String clientId;
  private boolean cleanSession;
  private int keepAliveSeconds;
  private MqttProperties connectProperties = MqttProperties.NO_PROPERTIES;
  private MqttWill will;
  private MqttAuth auth;

  /**
   * Whether a 5.0 client accepts reason strings and user properties on acknowledgements (its
   * Request Problem Information, default 1; 3.1.1 has neither).
   */
  private boolean problemInformation = true;

  /**
   * @param connects gets the endpoint when its CONNECT was read (on the broker's context)
   * @param serverKeepAliveSeconds the longest keep alive a 5.0 client may use; 0 accepts any
   */
  MqttEndpoint(
      ContextInternal context,
      Consumer<MqttEndpoint> connects,
      IdleSweep sweep,
      int serverKeepAliveSeconds) {
    this.context = context;
    this.connects = connects;
    this.sweep = sweep;
    this.serverKeepAliveSeconds = serverKeepAliveSeconds;
  }

  // ---- Netty events (on the broker's event loop) ----

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    lastRead = sweep.now();
    idleLimit = sweep.connectTimeoutMillis();
    sweep.add(this);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastRead = sweep.now();
    if (state == State.CONNECTING) {
      if (held == null) {
        held = new ArrayDeque<>(2);
      }
      held.add(msg); // answered after the CONNACK, in order
      return;
    }
    context.dispatch(msg, this::read);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && packets != null) {
      context.dispatch(packets, Packets::onWritable);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    context.dispatch(cause, this::failed);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    sweep.remove(this);
    if (held != null) {
      held.forEach(ReferenceCountUtil::release);
      held.clear();
    }
    context.dispatch(null, v -> onClosed());
  }

  // ---- reading ----

  private void read(Object msg) {
    if (!(msg instanceof MqttMessage m)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      if (closing) {
        return; // e.g. a PUBLISH after the client's DISCONNECT, a CONNECT after a PUBLISH
      }
      DecoderResult result = m.decoderResult();
      if (state == State.AWAITING_CONNECT) {
        readConnect(m, result);
      } else if (state == State.CONNECTED) {
        if (result.isFailure()) {
          failed(result.cause());
        } else {
          dispatch(m);
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void readConnect(MqttMessage m, DecoderResult result) {
    if (result.isFailure()) {
      Throwable cause = result.cause();
      if (cause instanceof MqttUnacceptableProtocolVersionException) {
        refuse(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, null);
      } else if (cause instanceof MqttIdentifierRejectedException) {
        refuseClientId(
            m.variableHeader() instanceof MqttConnectVariableHeader h && h.version() == 5);
      } else {
        close(); // a CONNECT the decoder could not read: nobody to answer yet
      }
      return;
    }
    if (!(m instanceof MqttConnectMessage connect)) {
      close(); // MQTT 3.1.1 §3.1 / 5.0 §3.1: the first packet must be a CONNECT
      return;
    }
    MqttConnectVariableHeader h = connect.variableHeader();
    MqttConnectPayload p = connect.payload();
    protocolVersion = h.version();
    boolean v5 = protocolVersion == 5;
    clientId = p.clientIdentifier() == null ? "" : p.clientIdentifier();
    cleanSession = h.isCleanSession();
    connectProperties = h.properties();
    problemInformation =
        Mqtt5Properties.integer(connectProperties, MqttPropertyType.REQUEST_PROBLEM_INFORMATION, 1)
            != 0;
    keepAliveSeconds = h.keepAliveTimeSeconds();
    if (v5
        && serverKeepAliveSeconds > 0
        && (keepAliveSeconds == 0 || keepAliveSeconds > serverKeepAliveSeconds)) {
      // MQTT 5.0 §3.2.2.3.14: the server's keep alive replaces the client's; told in the CONNACK
      keepAliveSeconds = serverKeepAliveSeconds;
    }
    will =
        new MqttWill(
            h.isWillFlag(),
            p.willTopic(),
            p.willMessageInBytes() == null ? null : Buffer.buffer(p.willMessageInBytes()),
            h.willQos(),
            h.isWillRetain(),
            p.willProperties());
    // MQTT 5.0 §3.1.2.9: a password may come without a user name (a device sends only its JWT)
    auth =
        h.hasUserName() || h.hasPassword()
            ? new MqttAuth(
                h.hasUserName() ? p.userName() : "",
                h.hasPassword() ? new String(p.passwordInBytes(), StandardCharsets.UTF_8) : null)
            : null;
    String propertyError = v5 ? Mqtt5Properties.connectProtocolError(connectProperties) : null;
    if (propertyError != null) {
      // MQTT 5.0 §3.1.2.11 / §4.13.1: a Protocol Error in the CONNECT, CONNACK 0x82 and close
      refuse(
          MqttConnectReturnCode.CONNECTION_REFUSED_PROTOCOL_ERROR,
          Mqtt5Properties.reasonString(propertyError));
      return;
    }
    if (!TopicNames.isWellFormed(clientId)) {
      // MQTT 3.1.1 §1.5.3 / 5.0 §1.5.4: ill-formed UTF-8 (or U+0000) in the client id
      refuseClientId(v5);
      return;
    }
    if (clientId.isEmpty() && !cleanSession && !v5) {
      // MQTT 3.1.1 §3.1.3.1 [MQTT-3.1.3-8]: a zero-length id needs clean session
      refuse(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, null);
      return;
    }
    state = State.CONNECTING;
    connects.accept(this);
    if (state == State.CONNECTING && !closed) {
      // the token is being checked: no more reading until the CONNECT is answered (a cached
      // token answers at once, without the two epoll changes)
      channel.config().setAutoRead(false);
    }
  }

  private void dispatch(MqttMessage m) {
    switch (m.fixedHeader().messageType()) {
      case PUBLISH ->
          packets.onPublish(publish((io.netty.handler.codec.mqtt.MqttPublishMessage) m));
      case PUBACK -> packets.onPuback(packetId(m));
      case PUBREC -> packets.onPubrec(packetId(m));
      case PUBREL -> packets.onPubrel(packetId(m));
      case PUBCOMP -> packets.onPubcomp(packetId(m));
      case SUBSCRIBE -> {
        MqttSubscribeMessage s = (MqttSubscribeMessage) m;
        packets.onSubscribe(
            io.vertx.mqtt.messages.MqttSubscribeMessage.create(
                s.variableHeader().messageId(),
                s.payload().topicSubscriptions(),
                s.idAndPropertiesVariableHeader().properties()));
      }
      case UNSUBSCRIBE -> {
        MqttUnsubscribeMessage u = (MqttUnsubscribeMessage) m;
        packets.onUnsubscribe(
            io.vertx.mqtt.messages.MqttUnsubscribeMessage.create(
                u.variableHeader().messageId(),
                u.payload().topics(),
                u.idAndPropertiesVariableHeader().properties()));
      }
      case PINGREQ ->
          send(
              new MqttMessage(
                  new MqttFixedHeader(
                      MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
      case DISCONNECT -> {
        MqttDisconnectReasonCode code = MqttDisconnectReasonCode.NORMAL;
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
          code = MqttDisconnectReasonCode.valueOf(h.reasonCode());
          properties = h.properties();
        }
        packets.onDisconnect(code, properties);
        close(); // MQTT 3.1.1 §3.14.4: the server closes after a DISCONNECT
      }
      case AUTH -> {
        if (protocolVersion != 5) {
          failed(new ProtocolError(MqttDisconnectReasonCode.PROTOCOL_ERROR, "AUTH before 5.0"));
          return;
        }
        MqttReasonCodeAndPropertiesVariableHeader h =
            (MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader();
        packets.onAuth(MqttAuthenticateReasonCode.valueOf(h.reasonCode()), h.properties());
      }
      case CONNECT ->
          failed(new ProtocolError(MqttDisconnectReasonCode.PROTOCOL_ERROR, "a second CONNECT"));
      default ->
          failed(
              new ProtocolError(
                  MqttDisconnectReasonCode.PROTOCOL_ERROR,
                  "unexpected " + m.fixedHeader().messageType() + " from a client"));
    }
  }

  private static int packetId(MqttMessage m) {
    return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
  }

  /** The PUBLISH with its payload copied out of the read buffer (it outlives the read). */
  private static MqttPublishMessage publish(io.netty.handler.codec.mqtt.MqttPublishMessage p) {
    MqttPublishVariableHeader h = p.variableHeader();
    return MqttPublishMessage.create(
        h.packetId(),
        p.fixedHeader().qosLevel(),
        p.fixedHeader().isDup(),
        p.fixedHeader().isRetain(),
        h.topicName(),
        BufferInternal.safeBuffer(p.payload().retain()),
        h.properties());
  }

  private void failed(Throwable cause) {
    if (closed) {
      return;
    }
    if (packets != null) {
      packets.onFailure(cause);
    } else {
      close();
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    if (packets != null) {
      packets.onClose();
    } else if (closeHandler != null) {
      closeHandler.run();
    }
  }

  /** Called by {@link IdleSweep} when the client stayed silent too long. */
  void idle() {
    if (closed) {
      return;
    }
    if (packets != null) {
      packets.onKeepAliveTimeout();
    } else {
      close(); // no CONNECT (or no answer to it) in time
    }
  }

  // ---- the CONNECT's answer ----

  /** Accepts the CONNECT: CONNACK 0x00 with {@code properties} (5.0). */
  void accept(boolean sessionPresent, MqttProperties properties) {
    state = State.CONNECTED;
    idleLimit = keepAliveSeconds == 0 ? Long.MAX_VALUE : keepAliveSeconds * 1500L;
    lastRead = sweep.now();
    send(
        new MqttConnAckMessage(
            new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
            new MqttConnAckVariableHeader(
                MqttConnectReturnCode.CONNECTION_ACCEPTED,
                sessionPresent,
                protocolVersion == 5 ? properties : MqttProperties.NO_PROPERTIES)));
  }

  /**
   * From now on the client's packets go to {@code packets}: those held since the CONNECT first,
   * then the socket is read again.
   */
  void startReading(Packets packets) {
    this.packets = packets;
    // the CONNECT's credentials and properties have been read: a connection keeps none of them
    // (a device's JWT is about 500 bytes, a seventh of what an idle connection held with it)
    auth = null;
    connectProperties = MqttProperties.NO_PROPERTIES;
    ArrayDeque<Object> waiting = held;
    held = null;
    while (waiting != null && !waiting.isEmpty() && !closed) {
      read(waiting.poll());
    }
    if (waiting != null) {
      waiting.forEach(ReferenceCountUtil::release);
    }
    if (!closed && !channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }

  /** Refuses the CONNECT with {@code code} and closes. */
  void reject(MqttConnectReturnCode code) {
    reject(code, MqttProperties.NO_PROPERTIES);
  }

  /** Refuses the CONNECT with {@code code} and {@code properties} (5.0) and closes. */
  void reject(MqttConnectReturnCode code, MqttProperties properties) {
    refuse(code, properties);
  }

  /** A client id refused: 5.0 CONNACK 0x85 client identifier not valid, 3.1.1 0x02. */
  private void refuseClientId(boolean v5) {
    refuse(
        v5
            ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
            : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
        null);
  }

  private void refuse(MqttConnectReturnCode code, MqttProperties properties) {
    state = State.REFUSED;
    if (held != null) {
      held.forEach(ReferenceCountUtil::release);
      held = null;
    }
    channel
        .writeAndFlush(
            new MqttConnAckMessage(
                new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(
                    code,
                    false,
                    protocolVersion == 5 && properties != null
                        ? properties
                        : MqttProperties.NO_PROPERTIES)))
        .addListener(f -> channel.close());
  }

  // ---- what the CONNECT said ----

  int protocolVersion() {
    return protocolVersion;
  }

  String clientIdentifier() {
    return clientId;
  }

  /** The id the server assigned to a zero-length one (MQTT 3.1.1 / 5.0 §3.1.3.1). */
  void setClientIdentifier(String clientId) {
    this.clientId = clientId;
  }

  boolean isCleanSession() {
    return cleanSession;
  }

  /** The keep alive in force: the client's, or the server's when that replaced it. */
  int keepAliveTimeSeconds() {
    return keepAliveSeconds;
  }

  /** The CONNECT's properties, until {@link #startReading}; then none. */
  MqttProperties connectProperties() {
    return connectProperties;
  }

  MqttWill will() {
    return will;
  }

  /** The CONNECT's user name and password, until {@link #startReading}; then {@code null}. */
  MqttAuth auth() {
    return auth;
  }

  boolean isSsl() {
    return channel.pipeline().get(SslHandler.class) != null;
  }

  SSLSession sslSession() {
    SslHandler ssl = channel.pipeline().get(SslHandler.class);
    return ssl == null ? null : ssl.engine().getSession();
  }

  SocketAddress remoteAddress() {
    return channel.remoteAddress() instanceof InetSocketAddress a
        ? SocketAddress.inetSocketAddress(a)
        : null;
  }

  /** The WebSocket upgrade request's headers, or {@code null} on plain MQTT. */
  MultiMap httpHeaders() {
    return channel.attr(MqttTransport.UPGRADE_HEADERS).get();
  }

  /** Set before {@link #startReading}: told when the client goes before it is accepted. */
  void closeHandler(Runnable handler) {
    this.closeHandler = handler;
  }

  boolean isConnected() {
    return state == State.CONNECTED && !closed && channel.isActive();
  }

  /** The connection's output is below its limit (see {@link Packets#onWritable}). */
  boolean isWritable() {
    return channel.isWritable();
  }

  Channel channel() {
    return channel;
  }

  // ---- writing (MQTT 3.1.1 §3.3–3.11, 5.0 §3.3–3.15) ----

  void publish(
      String topic,
      Buffer payload,
      MqttQoS qos,
      boolean dup,
      boolean retain,
      int packetId,
      MqttProperties properties) {
    send(
        new io.netty.handler.codec.mqtt.MqttPublishMessage(
            new MqttFixedHeader(MqttMessageType.PUBLISH, dup, qos, retain, 0),
            new MqttPublishVariableHeader(topic, packetId, properties),
            ((BufferInternal) payload).getByteBuf()));
  }

  /** Writes an encoded packet ({@link SharedPublish}). */
  void write(ByteBuf packet) {
    send(packet);
  }

  /**
   * Writes without a promise per packet: nobody waits for one, and a failed write surfaces as the
   * connection's exception (it closes).
   */
  private void send(Object packet) {
    channel.writeAndFlush(packet, channel.voidPromise());
  }

  void publishAcknowledge(int packetId) {
    reply(MqttMessageType.PUBACK, packetId, (byte) 0, MqttProperties.NO_PROPERTIES);
  }

  void publishAcknowledge(int packetId, MqttPubAckReasonCode code, MqttProperties properties) {
    reply(MqttMessageType.PUBACK, packetId, code.value(), properties);
  }

  void publishReceived(int packetId) {
    reply(MqttMessageType.PUBREC, packetId, (byte) 0, MqttProperties.NO_PROPERTIES);
  }

  void publishReceived(int packetId, MqttPubRecReasonCode code, MqttProperties properties) {
    reply(MqttMessageType.PUBREC, packetId, code.value(), properties);
  }

  void publishRelease(int packetId) {
    reply(MqttMessageType.PUBREL, packetId, (byte) 0, MqttProperties.NO_PROPERTIES);
  }

  void publishComplete(int packetId) {
    reply(MqttMessageType.PUBCOMP, packetId, (byte) 0, MqttProperties.NO_PROPERTIES);
  }

  void publishComplete(int packetId, MqttPubCompReasonCode code, MqttProperties properties) {
    reply(MqttMessageType.PUBCOMP, packetId, code.value(), properties);
  }

  private void reply(MqttMessageType type, int packetId, byte code, MqttProperties properties) {
    // PUBREL has QoS 1 in its fixed header (MQTT 3.1.1 §3.6.1)
    MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
    send(
        new MqttMessage(
            new MqttFixedHeader(type, false, qos, false, 0),
            new MqttPubReplyMessageVariableHeader(packetId, code, problemDetails(properties))));
  }

  /**
   * {@code properties} without Reason String and User Properties when the client asked for none:
   * MQTT 5.0 §3.1.2.11.7 [MQTT-3.1.2-29] allows them then only on PUBLISH, CONNACK and DISCONNECT.
   */
  private MqttProperties problemDetails(MqttProperties properties) {
    if (problemInformation || properties.isEmpty()) {
      return properties;
    }
    MqttProperties kept = new MqttProperties();
    for (MqttProperties.MqttProperty<?> p : properties.listAll()) {
      int id = p.propertyId();
      if (id != MqttPropertyType.REASON_STRING.value()
          && id != MqttPropertyType.USER_PROPERTY.value()) {
        kept.add(p);
      }
    }
    return kept;
  }

  void subscribeAcknowledge(
      int packetId, List<MqttSubAckReasonCode> codes, MqttProperties properties) {
    int[] values = new int[codes.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = codes.get(i).value() & 0xFF;
    }
    send(
        new MqttSubAckMessage(
            new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
            new MqttMessageIdAndPropertiesVariableHeader(packetId, problemDetails(properties)),
            new MqttSubAckPayload(values)));
  }

  void unsubscribeAcknowledge(int packetId) {
    send(
        new MqttUnsubAckMessage(
            new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
            MqttMessageIdVariableHeader.from(packetId)));
  }

  void unsubscribeAcknowledge(
      int packetId, List<MqttUnsubAckReasonCode> codes, MqttProperties properties) {
    short[] values = new short[codes.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (short) (codes.get(i).value() & 0xFF);
    }
    send(
        new MqttUnsubAckMessage(
            new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
            new MqttMessageIdAndPropertiesVariableHeader(packetId, problemDetails(properties)),
            new MqttUnsubAckPayload(values)));
  }

  void authenticationExchange(MqttAuthenticateReasonCode code, MqttProperties properties) {
    send(
        new MqttMessage(
            new MqttFixedHeader(MqttMessageType.AUTH, false, MqttQoS.AT_MOST_ONCE, false, 0),
            new MqttReasonCodeAndPropertiesVariableHeader(
                code.value(), problemDetails(properties))));
  }

  /**
   * Ends a 5.0 connection with a server DISCONNECT {@code reasonCode} ({@link LingeringClose}):
   * nothing decoded after it is acted on or answered (MQTT 5.0 §4.13.2: the DISCONNECT is the
   * server's last packet).
   *
   * @return completed when the connection is closed (see {@link LingeringClose#disconnect})
   */
  io.vertx.core.Future<Void> disconnect(byte reasonCode, MqttProperties properties) {
    closing = true;
    return LingeringClose.disconnect(channel, reasonCode, properties);
  }

  /** Closes the connection (no DISCONNECT: see {@link #disconnect} for that). */
  void close() {
    closing = true;
    if (channel != null) {
      channel.close();
    }
  }
}
