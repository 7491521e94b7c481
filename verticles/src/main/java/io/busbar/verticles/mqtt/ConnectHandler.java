package io.busbar.verticles.mqtt;

import io.busbar.security.AuthenticationException;
import io.busbar.security.Principal;
import io.busbar.security.audit.AuditEvent;
import io.busbar.security.relay.RelayTrust;
import io.busbar.security.tls.CertificateIdentity;
import io.busbar.verticles.mqtt.BrokerMetrics.RefusalReason;
import io.busbar.verticles.mqtt.session.Session;
import io.busbar.verticles.mqtt.topic.TopicNames;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.SocketAddress;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttWill;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles a CONNECT: authenticates the token carried as the password, answers with a CONNACK and,
 * when accepted, binds the client to its session (new, resumed or taken over).
 *
 * <p>Refusals (MQTT 3.1.1 §3.2.2.3, 5.0 §3.2.2.2):
 *
 * <ul>
 *   <li>3.1.1: a missing, expired, badly signed token or a user name that is not the token's
 *       subject gets 0x05 not authorized; a token that is not a JWT at all gets 0x04 bad user name
 *       or password ("the data in the user name or password is malformed").
 *   <li>5.0: a missing token gets 0x87 not authorized; any other refusal 0x86 bad user name or
 *       password.
 *   <li>Too many CONNECTs from one source address ({@code RateLimiter.tryConnect}), or too many
 *       failed or pending authentications from it ({@code AuthGuard}): 5.0 0x9F connection rate
 *       exceeded, 3.1.1 0x03 server unavailable — before any signature is checked.
 *   <li>A revoked token or device: 5.0 0x87, 3.1.1 0x05, also when the token cache hits.
 * </ul>
 *
 * <p>MQTT 5.0 enhanced authentication (§4.12) with method {@value #AUTH_METHOD_JWT}: the token is
 * the CONNECT's authentication data; the CONNACK names the method back, and the client may
 * re-authenticate later with an AUTH packet carrying a fresh token ({@link MqttConnection}). Every
 * decision is an audit event ({@code CONNECT}, allowed or denied).
 */
final class ConnectHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectHandler.class);

  /** MQTT 3.1.1 has no expiry: a non-clean session lasts until the next clean connect. */
  static final long NEVER_EXPIRES = 0xFFFF_FFFFL;

  /** Verified tokens remembered at most (LRU beyond). */
  static final int TOKEN_CACHE_ENTRIES = 10_000;

  /** The tenant of anonymous clients. */
  static final String ANONYMOUS_TENANT = "public";

  /** Prefix of the client ids the broker assigns (MQTT 3.1.1 / 5.0 §3.1.3.1). */
  static final String ASSIGNED_PREFIX = "auto-";

  /** The one enhanced authentication method offered: a JWT as the authentication data. */
  static final String AUTH_METHOD_JWT = "JWT";

  private final Broker broker;
  private final BrokerSecurity security;
  private final RateLimit connectRate;
  private final TokenCache tokens;

  /** Token verifications waiting for the worker pool at most (beyond: refused, retry later). */
  static final int MAX_PENDING_VERIFICATIONS = 1_000;

  /**
   * @param verifiers the worker pool that verifies tokens not in the cache, off the event loop
   */
  ConnectHandler(Broker broker, BrokerSecurity security, WorkerExecutor verifiers) {
    this.broker = broker;
    this.security = security;
    this.connectRate = new RateLimit(broker.config().maxConnectsPerSecond());
    this.tokens =
        new TokenCache(
            broker.authenticator(),
            broker.config().tokenCacheSeconds() * 1000L,
            TOKEN_CACHE_ENTRIES,
            verifiers,
            MAX_PENDING_VERIFICATIONS);
  }

  void handle(MqttEndpoint endpoint) {
    boolean assigned = false;
    Context context = Vertx.currentContext();
    boolean v5 = endpoint.protocolVersion() == 5;
    String source = sourceAddress(endpoint);
    MqttAuth auth = endpoint.auth();
    String username = auth == null ? null : auth.getUsername();
    if (!connectRate.tryAcquire(System.nanoTime()) || !security.rateLimiter.tryConnect(source)) {
      // refused before the token is checked, so a storm costs no signature verifications
      broker.metrics().refused(RefusalReason.CONNECT_RATE);
      security.connectDenied(username, RefusalReason.CONNECT_RATE.name(), source);
      if (v5) {
        endpoint.reject(
            MqttConnectReturnCode.CONNECTION_REFUSED_CONNECTION_RATE_EXCEEDED,
            Mqtt5Properties.reasonString("connect rate limit reached"));
      } else {
        endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
      }
      return;
    }
    String clientId = endpoint.clientIdentifier();
    if (clientId == null || clientId.isEmpty()) {
      // MQTT 3.1.1 §3.1.3.1 / 5.0 §3.1.3.1.1: the server assigns a unique id to a zero-length one
      clientId = ASSIGNED_PREFIX + UUID.randomUUID();
      endpoint.setClientIdentifier(clientId);
      assigned = true;
    }
    String method =
        v5
            ? Mqtt5Properties.string(
                endpoint.connectProperties(), MqttPropertyType.AUTHENTICATION_METHOD)
            : null;
    String token = auth == null ? null : auth.getPassword();
    if (method != null) {
      if (!AUTH_METHOD_JWT.equals(method)) {
        // MQTT 5.0 §4.12: a method the server does not support is refused with 0x8C
        broker.metrics().refused(RefusalReason.BAD_AUTH_METHOD);
        security.connectDenied(username, RefusalReason.BAD_AUTH_METHOD.name(), source);
        endpoint.reject(
            MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD,
            Mqtt5Properties.reasonString("only the JWT authentication method is supported"));
        return;
      }
      String data = authenticationData(endpoint.connectProperties());
      if (data != null && !data.isEmpty()) {
        token = data; // MQTT 5.0 §3.1.2.11.10: the token travels as the authentication data
      }
    }
    Future<Principal> principal;
    // mutual TLS: on the TLS listener a verified client certificate may name the device
    CertificateIdentity identity =
        endpoint.isSsl() ? security.tlsIdentity : CertificateIdentity.tokensOnly();
    CertificateIdentity.Peer peer =
        identity.policy().usesCertificate()
            ? identity.peer(endpoint.sslSession()).orElse(null)
            : null;
    String certificateDevice = peer == null ? null : peer.device();
    boolean anonymous =
        (token == null || token.isEmpty())
            && broker.config().allowAnonymous()
            && identity.allowsAnonymous(certificateDevice);
    if (anonymous) {
      principal = Future.succeededFuture(Principal.anonymous(clientId, ANONYMOUS_TENANT));
    } else {
      try {
        principal =
            identity.authenticate(
                certificateDevice,
                token,
                t -> security.authGuard.authenticate(source, t, tokens::authenticate));
      } catch (RuntimeException e) {
        principal = Future.failedFuture(e);
      }
    }
    boolean assignedId = assigned;
    String id = clientId;
    // the client may hang up while its token is checked; then there is nobody to answer
    boolean[] gone = {false};
    endpoint.closeHandler(() -> gone[0] = true);
    principal.onComplete(
        ar -> {
          Runnable answer =
              () -> {
                if (gone[0]) {
                  broker.metrics().refused(RefusalReason.GONE);
                } else if (ar.failed()) {
                  refuse(endpoint, v5, ar.cause(), username, source);
                } else if (!anonymous && security.revocations.isRevoked(ar.result())) {
                  // the token cache may have answered: the deny list is checked on every CONNECT
                  refuse(
                      endpoint,
                      v5,
                      new AuthenticationException(
                          AuthenticationException.Reason.REVOKED, "token or device revoked"),
                      username,
                      source);
                } else if (!anonymous
                    && username != null
                    && !username.isEmpty()
                    && !username.equals(ar.result().subject())) {
                  refuse(
                      endpoint,
                      v5,
                      new AuthenticationException(
                          AuthenticationException.Reason.IDENTITY_MISMATCH,
                          "user name is not the token's subject"),
                      username,
                      source);
                } else {
                  claimThenAccept(
                      endpoint, v5, id, assignedId, ar.result(), method, source, peer, gone);
                }
              };
          if (Vertx.currentContext() == context) {
            answer.run();
          } else {
            context.runOnContext(v -> answer.run());
          }
        });
  }

  /**
   * In a cluster, first takes the client id over from the node that holds it (client ids are unique
   * cluster-wide, MQTT 3.1.1 §3.1.4 / 5.0 §3.1.4), then accepts.
   */
  private void claimThenAccept(
      MqttEndpoint endpoint,
      boolean v5,
      String clientId,
      boolean assigned,
      Principal principal,
      String authMethod,
      String source,
      CertificateIdentity.Peer peer,
      boolean[] gone) {
    if (broker.cluster() == null) {
      accept(endpoint, v5, clientId, assigned, principal, authMethod, source, peer);
      return;
    }
    broker
        .cluster()
        .claim(
            principal.tenant(),
            clientId,
            LastWill.clusterWill(broker, clientId, principal, endpoint.will(), v5))
        .onComplete(
            x -> {
              if (gone[0]) {
                broker.metrics().refused(RefusalReason.GONE);
              } else {
                accept(endpoint, v5, clientId, assigned, principal, authMethod, source, peer);
              }
            });
  }

  private void refuse(
      MqttEndpoint endpoint, boolean v5, Throwable cause, String username, String source) {
    MqttConnectReturnCode code;
    String text;
    if (cause instanceof AuthenticationException ae) {
      broker.metrics().refused(ae.reason());
      security.connectDenied(username, ae.reason().name(), source);
      code = refusalCode(ae.reason(), v5);
      text = ae.publicMessage(); // the full message may name keys or issuers: logs only
    } else {
      LOG.warn("authentication failed unexpectedly for {}", endpoint.clientIdentifier(), cause);
      broker.metrics().refused(RefusalReason.AUTH_ERROR);
      security.connectDenied(username, RefusalReason.AUTH_ERROR.name(), source);
      code =
          v5
              ? MqttConnectReturnCode.CONNECTION_REFUSED_UNSPECIFIED_ERROR
              : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
      text = "authentication failed";
    }
    if (v5) {
      endpoint.reject(code, Mqtt5Properties.reasonString(text));
    } else {
      endpoint.reject(code);
    }
  }

  /** The CONNACK code for a refused token, per protocol version. */
  static MqttConnectReturnCode refusalCode(AuthenticationException.Reason reason, boolean v5) {
    if (v5) {
      // MQTT 5.0 §3.2.2.2: 0x87 not authorized, 0x88 server unavailable, 0x9F connection rate
      // exceeded, 0x86 bad user name or password
      return switch (reason) {
        case MISSING_TOKEN,
            TENANT_NOT_ALLOWED,
            REVOKED,
            CERTIFICATE_REQUIRED,
            CERTIFICATE_MISMATCH ->
            MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5;
        case KEYS_UNAVAILABLE -> MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5;
        case THROTTLED -> MqttConnectReturnCode.CONNECTION_REFUSED_CONNECTION_RATE_EXCEEDED;
        default -> MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD;
      };
    }
    // MQTT 3.1.1 §3.2.2.3: 0x03 server unavailable, 0x04 bad user name or password, 0x05 not
    // authorized
    return switch (reason) {
      case MALFORMED -> MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
      case THROTTLED, KEYS_UNAVAILABLE ->
          MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
      default -> MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
    };
  }

  private void accept(
      MqttEndpoint endpoint,
      boolean v5,
      String clientId,
      boolean assigned,
      Principal principal,
      String authMethod,
      String source,
      CertificateIdentity.Peer peer) {
    Session existing = broker.sessions().get(principal.tenant(), clientId).orElse(null);
    // a takeover replaces a live connection, it does not add one
    boolean replacesLive = existing != null && existing.isConnected();
    if (!replacesLive
        && broker.metrics().clientsConnected.get() >= broker.config().maxConnections()) {
      // MQTT 5.0 §3.2.2.2 0x97 quota exceeded; 3.1.1 §3.2.2.3 0x03 server unavailable
      broker.metrics().refused(RefusalReason.TOO_MANY_CONNECTIONS);
      security.denied(
          principal,
          AuditEvent.Action.CONNECT,
          clientId,
          RefusalReason.TOO_MANY_CONNECTIONS.name(),
          source);
      if (v5) {
        endpoint.reject(
            MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED,
            Mqtt5Properties.reasonString("connection limit reached"));
      } else {
        endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
      }
      return;
    }
    MqttProperties connect = endpoint.connectProperties();
    long requested;
    if (v5) {
      // MQTT 5.0 §3.1.2.11.2: absent means 0, the session ends with the connection
      requested = Mqtt5Properties.integer(connect, MqttPropertyType.SESSION_EXPIRY_INTERVAL, 0);
    } else {
      requested = endpoint.isCleanSession() ? 0 : NEVER_EXPIRES;
    }
    long expiry = Math.min(requested, broker.config().maxSessionExpirySeconds());
    MqttWill will = endpoint.will();
    if (will != null && will.isWillFlag()) {
      Optional<String> problem =
          TopicNames.checkName(
              will.getWillTopic(),
              broker.config().maxTopicLength(),
              broker.config().maxTopicLevels());
      if (problem.isPresent()) {
        // MQTT 5.0 §3.1.3.3 / §3.2.2.2: 0x90 topic name invalid; 3.1.1 has no code, close
        broker.metrics().refused(RefusalReason.BAD_WILL);
        security.denied(
            principal, AuditEvent.Action.CONNECT, clientId, RefusalReason.BAD_WILL.name(), source);
        if (v5) {
          endpoint.reject(
              MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID,
              Mqtt5Properties.reasonString("will topic: " + problem.get()));
        } else {
          endpoint.close();
        }
        return;
      }
    }
    boolean cleanStart = endpoint.isCleanSession();
    if (replacesLive) {
      // MQTT 3.1.1 §3.1.4 / 5.0 §3.1.4: the existing connection is closed, 5.0 with 0x8E
      MqttConnection old = MqttConnection.of(existing);
      if (old != null) {
        old.takenOver();
      }
    }
    boolean sessionPresent = existing != null && !cleanStart;
    Session session;
    if (existing != null) {
      // the client is back: its session does not expire and its delayed will is not sent
      // (MQTT 5.0 §3.1.3.2.2)
      cancelTimer(existing.expiryTimer());
      existing.expiryTimer(-1);
      LastWill.cancel(broker, existing);
    }
    if (sessionPresent) {
      session = existing;
    } else {
      if (existing != null) {
        SessionEnd.discard(broker, existing);
      }
      session =
          new Session(
              principal.tenant(),
              clientId,
              broker.config().maxQueuedMessages(),
              broker.config().queuePolicy(),
              d -> broker.metrics().queueDropped.increment(),
              broker.queueBudget(),
              broker.sessionStore());
      broker.sessions().put(session);
    }
    session.expiryIntervalSeconds(expiry);
    if (session.isPersistent()) {
      broker.sessionStore().sessionSaved(principal.tenant(), clientId, expiry);
    }
    MqttProperties connack = new MqttProperties();
    if (v5) {
      if (assigned) {
        connack.add(
            new StringProperty(MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), clientId));
      }
      connack.add(
          new IntegerProperty(
              MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), broker.config().maxMessageSize()));
      connack.add(
          new IntegerProperty(
              MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), broker.config().topicAliasMaximum()));
      // MQTT 5.0 §3.2.2.3.3: the client's in-flight window towards us (absent means 65,535)
      connack.add(
          new IntegerProperty(
              MqttPropertyType.RECEIVE_MAXIMUM.value(), broker.config().receiveMaximum()));
      // MQTT 5.0 §3.2.2.3: say explicitly what is available (some clients assume otherwise)
      connack.add(new IntegerProperty(MqttPropertyType.RETAIN_AVAILABLE.value(), 1));
      connack.add(new IntegerProperty(MqttPropertyType.WILDCARD_SUBSCRIPTION_AVAILABLE.value(), 1));
      connack.add(
          new IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER_AVAILABLE.value(), 1));
      connack.add(new IntegerProperty(MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value(), 1));
      if (authMethod != null) {
        // MQTT 5.0 §3.2.2.3.17: the CONNACK names the method the client authenticated with
        connack.add(new StringProperty(MqttPropertyType.AUTHENTICATION_METHOD.value(), authMethod));
      }
      if (broker.config().serverKeepAliveSeconds() > 0) {
        // MQTT 5.0 §3.2.2.3.14: the client must use the server's keep alive; the endpoint
        // already put it in place of a longer (or no) keep alive, and enforces it
        connack.add(
            new IntegerProperty(
                MqttPropertyType.SERVER_KEEP_ALIVE.value(), endpoint.keepAliveTimeSeconds()));
      }
      if (expiry != requested) {
        // MQTT 5.0 §3.2.2.3.2: the server tells the client the interval it will use
        connack.add(
            new IntegerProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), (int) expiry));
      }
    }
    MqttConnection connection =
        new MqttConnection(
            broker,
            security,
            tokens,
            endpoint,
            principal,
            session,
            v5,
            authMethod,
            source,
            // a certificate that named the device bounds the connection like a token's exp
            peer == null || principal.anonymous() ? Long.MAX_VALUE : peer.notAfter());
    LastWill.arm(broker, session, principal, will, v5);
    connection.countConnected();
    endpoint.accept(sessionPresent, connack);
    security.allowed(principal, AuditEvent.Action.CONNECT, clientId, source);
    connection.start();
  }

  private void cancelTimer(long id) {
    if (id >= 0) {
      broker.vertx().cancelTimer(id);
    }
  }

  /**
   * The client's IP address (without port): the key of per-source limits. For a connection that the
   * HTTP port's {@code /mqtt} relays, the address the relay vouches for ({@link RelayTrust}).
   */
  static String sourceAddress(MqttEndpoint endpoint) {
    SocketAddress remote = endpoint.remoteAddress();
    String host = remote == null || remote.host() == null ? "unknown" : remote.host();
    String relayed = RelayTrust.relayedAddress(host, endpoint.httpHeaders());
    return relayed != null ? relayed : host;
  }

  /** The CONNECT's or AUTH's authentication data as UTF-8 text (a JWT), or {@code null}. */
  static String authenticationData(MqttProperties props) {
    if (props == null) {
      return null;
    }
    MqttProperties.MqttProperty<?> p =
        props.getProperty(MqttPropertyType.AUTHENTICATION_DATA.value());
    return p != null && p.value() instanceof byte[] bytes
        ? new String(bytes, StandardCharsets.UTF_8)
        : null;
  }

  static void logDisconnect(MqttEndpoint endpoint, MqttDisconnectReasonCode code) {
    LOG.debug("client {} disconnected: {}", endpoint.clientIdentifier(), code);
  }
}
