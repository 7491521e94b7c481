package io.busbar.verticles.mqtt;

import io.busbar.security.AuthenticationException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The broker's meters, created once per verticle in the registry it was given. */
final class BrokerMetrics {

  /** Why a CONNECT was refused: the tag {@code reason} of {@code busbar.mqtt.connect.refused}. */
  enum RefusalReason {
    MISSING_TOKEN,
    MALFORMED,
    BAD_SIGNATURE,
    EXPIRED,
    NOT_YET_VALID,
    IDENTITY_MISMATCH,
    AUTH_ERROR,
    BAD_CLIENT_ID,
    TOO_MANY_CONNECTIONS,
    CONNECT_RATE,
    GONE,
    BAD_AUTH_METHOD,
    BAD_WILL
  }

  final Counter messagesIn;
  final Counter messagesOut;
  final Counter bytesIn;
  final Counter bytesOut;
  final Counter publishDenied;
  final Counter subscribeDenied;
  final Counter decodeFailures;
  final Counter queueDropped;
  final Counter protocolErrors;
  final Counter oversizedDropped;
  final Counter sessionDropped;
  final Counter publishInvalid;
  final Counter storeFailures;
  final Counter slowDropped;
  final Counter storageBackPressure;
  final AtomicInteger clientsConnected = new AtomicInteger();
  private final Map<RefusalReason, Counter> refused = new EnumMap<>(RefusalReason.class);
  private final Map<AuthenticationException.Reason, Counter> authRefused =
      new EnumMap<>(AuthenticationException.Reason.class);

  BrokerMetrics(MeterRegistry registry) {
    messagesIn = registry.counter("busbar.mqtt.messages.in");
    messagesOut = registry.counter("busbar.mqtt.messages.out");
    bytesIn = registry.counter("busbar.mqtt.bytes.in");
    bytesOut = registry.counter("busbar.mqtt.bytes.out");
    publishDenied = registry.counter("busbar.mqtt.publish.denied");
    subscribeDenied = registry.counter("busbar.mqtt.subscribe.denied");
    decodeFailures = registry.counter("busbar.decode.failures");
    queueDropped = registry.counter("busbar.mqtt.queue.dropped");
    protocolErrors = registry.counter("busbar.mqtt.protocol.errors");
    oversizedDropped = registry.counter("busbar.mqtt.messages.oversized");
    sessionDropped = registry.counter("busbar.mqtt.session.dropped");
    publishInvalid = registry.counter("busbar.mqtt.publish.invalid");
    storeFailures = registry.counter("busbar.mqtt.store.failures");
    slowDropped = registry.counter("busbar.mqtt.slow.dropped");
    storageBackPressure = registry.counter("busbar.mqtt.storage.backpressure");
    registry.gauge("busbar.mqtt.clients.connected", clientsConnected);
    for (AuthenticationException.Reason r : AuthenticationException.Reason.values()) {
      authRefused.put(
          r,
          Counter.builder("busbar.mqtt.connect.refused")
              .tag("reason", r.name().toLowerCase())
              .register(registry));
    }
    for (RefusalReason r : RefusalReason.values()) {
      refused.put(
          r,
          Counter.builder("busbar.mqtt.connect.refused")
              .tag("reason", r.name().toLowerCase())
              .register(registry));
    }
  }

  void refused(RefusalReason reason) {
    refused.get(reason).increment();
  }

  /** A token refusal, tagged with the authenticator's own reason (whatever reasons it grows). */
  void refused(AuthenticationException.Reason reason) {
    authRefused.get(reason).increment();
  }
}
