package io.busbar.verticles.mqtt;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.routing.DecoderTable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decodes messages on decoder topics into events and hands them on: an {@link EventBatch} to {@link
 * Addresses#EVENTS}, or a {@link DeadLetter} to {@link Addresses#DEAD_LETTERS} when the decoder
 * rejects the payload. Runs on the publisher's event loop; decoders are pure and never throw.
 *
 * <p>Back-pressure: a QoS 1/2 reading is first offered to the local store ({@link
 * Addresses#STORAGE_INGEST}); the returned future — which the PUBACK/PUBREC waits for — completes
 * only once the store has taken it. While the store's queue is full (503) the offer is retried with
 * back-off (5 ms doubling to 50 ms; only the oldest refused offer of this event loop retries, later
 * ones wait behind it in order), so the acknowledgement is delayed, never faked, and the client's
 * in-flight window slows it down. The batch is then published on {@link Addresses#EVENTS} with
 * {@link Addresses#STORED_BY_HEADER} so the store does not take it twice. Without a local store (no
 * handler), the batch is only published.
 *
 * <p>Offers are coalesced: the readings of every acknowledged message decoded on this event loop
 * before it next runs its task queue (typically the PUBLISH packets of one socket read, up to
 * {@link #MAX_COALESCED_EVENTS} readings) go to the store as one request, which is taken or refused
 * whole; each message's own batch is then published on {@link Addresses#EVENTS} as before (one
 * batch per message, the contract of that address). One request per read instead of per message
 * spares the event bus a reply registration, a timeout timer and two deliveries per message. A
 * coalesced request the store refuses as too large (413) is split into one offer per message.
 */
final class TelemetryIngest {

  private static final long FIRST_RETRY_MS = 5;
  private static final long MAX_RETRY_MS = 50;
  private static final DeliveryOptions OFFER =
      new DeliveryOptions().setLocalOnly(true).setSendTimeout(30_000);

  /** Topics without a decoder remembered at most; the set is cleared beyond (cheap to refill). */
  static final int MAX_PLAIN_TOPICS = 65_536;

  private final Vertx vertx;
  private final DecoderTable decoders;
  private final EventBus bus;

  /**
   * Topics known to have no decoder: most broker traffic is plain pub/sub, and resolving a topic
   * against the decoder rules splits it on every message (a hot spot of QoS 0 fan-in). Event-loop
   * confined; the decoder table is immutable, so an entry never goes stale.
   */
  private final java.util.Set<String> plainTopics = new java.util.HashSet<>();

  private final BrokerMetrics metrics;

  /** At most this many readings go in one coalesced offer; more start another. */
  static final int MAX_COALESCED_EVENTS = 2_048;

  /** Acknowledged messages decoded but not yet offered; event-loop confined. */
  private List<Pending> pending = new ArrayList<>();

  private int pendingEvents;
  private boolean flushScheduled;

  /**
   * Groups the store refused while its queue was full (503), oldest first; event-loop confined.
   * Only the head is retried, so a full store sees one retry per event loop at a time, and the rest
   * follow as soon as it is taken, without waiting out a back-off of their own.
   */
  private final ArrayDeque<List<Pending>> waiting = new ArrayDeque<>();

  private long retryMs = FIRST_RETRY_MS;

  /** One message's readings and the future its PUBACK/PUBREC waits for. */
  private record Pending(EventBatch batch, Promise<Void> taken) {}

  TelemetryIngest(Vertx vertx, DecoderTable decoders, BrokerMetrics metrics) {
    this.vertx = vertx;
    this.decoders = decoders;
    this.bus = vertx.eventBus();
    this.metrics = metrics;
  }

  /**
   * Decodes and hands on when a decoder rule matches {@code topic}; otherwise does nothing.
   *
   * @return a future that completes when an acknowledged ({@code qos > 0}) reading is taken by the
   *     store; already complete for QoS 0, dead letters and topics without a decoder
   */
  Future<Void> ingest(String tenant, String topic, Buffer payload, String contentType, int qos) {
    if (plainTopics.contains(topic)) {
      return Future.succeededFuture();
    }
    Optional<DecoderTable.Match> match = decoders.resolve(topic);
    if (match.isEmpty()) {
      if (plainTopics.size() >= MAX_PLAIN_TOPICS) {
        plainTopics.clear();
      }
      plainTopics.add(topic);
      return Future.succeededFuture();
    }
    long now = System.currentTimeMillis();
    String deviceId = match.get().deviceId();
    MessageContext context = new MessageContext(tenant, deviceId, topic, now, contentType);
    DecodeResult result = match.get().decode(context, payload);
    if (result instanceof DecodeResult.Decoded decoded) {
      EventBatch batch = new EventBatch(decoded.events());
      if (qos == 0) {
        bus.publish(Addresses.EVENTS, batch);
        return Future.succeededFuture();
      }
      Promise<Void> taken = Promise.promise();
      queueOffer(new Pending(batch, taken));
      return taken.future();
    }
    DecodeResult.Rejected rejected = (DecodeResult.Rejected) result;
    metrics.decodeFailures.increment();
    bus.publish(
        Addresses.DEAD_LETTERS,
        new DeadLetter(tenant, deviceId, topic, rejected.reason(), payload.getBytes(), now));
    return Future.succeededFuture();
  }

  private void queueOffer(Pending message) {
    pending.add(message);
    pendingEvents += message.batch().events().size();
    Context context = Vertx.currentContext();
    if (context == null || pendingEvents >= MAX_COALESCED_EVENTS) {
      flushOffers();
    } else if (!flushScheduled) {
      flushScheduled = true;
      // runs once the event loop has handled what it read (Netty runs tasks after the I/O)
      context.runOnContext(v -> flushOffers());
    }
  }

  private void flushOffers() {
    flushScheduled = false;
    if (pending.isEmpty()) {
      return;
    }
    List<Pending> group = pending;
    pending = new ArrayList<>();
    pendingEvents = 0;
    if (waiting.isEmpty()) {
      offer(group, false);
    } else {
      waiting.add(group); // behind the offers the full store refused, in order
    }
  }

  private static EventBatch combined(List<Pending> group) {
    if (group.size() == 1) {
      return group.get(0).batch();
    }
    int size = 0;
    for (Pending p : group) {
      size += p.batch().events().size();
    }
    List<Event> events = new ArrayList<>(size);
    for (Pending p : group) {
      events.addAll(p.batch().events());
    }
    return new EventBatch(events);
  }

  /**
   * Offers one group to the store. {@code head}: the group is the oldest in {@link #waiting}, being
   * retried; whatever the answer, the chain of waiting groups goes on from here.
   */
  private void offer(List<Pending> group, boolean head) {
    EventBatch batch = combined(group);
    bus.<JsonObject>request(Addresses.STORAGE_INGEST, batch, OFFER)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                DeliveryOptions stored =
                    new DeliveryOptions()
                        .addHeader(
                            Addresses.STORED_BY_HEADER, ar.result().body().getString("storage"));
                // one batch per message, as the busbar.events contract says
                for (Pending p : group) {
                  bus.publish(Addresses.EVENTS, p.batch(), stored);
                  p.taken().complete();
                }
                if (head) {
                  nextWaiting();
                }
              } else if (ar.cause() instanceof ReplyException re && re.failureCode() == 503) {
                metrics.storageBackPressure.increment();
                if (head) {
                  retryHead();
                } else {
                  waiting.add(group);
                  if (waiting.size() == 1) {
                    retryHead(); // it is the head: start the chain
                  }
                }
              } else if (ar.cause() instanceof ReplyException re
                  && re.failureCode() == 413
                  && group.size() > 1) {
                // together larger than the store's queue: each message on its own, in order
                boolean chainRunning = !head && !waiting.isEmpty();
                if (head) {
                  waiting.removeFirst();
                  for (int k = group.size() - 1; k >= 0; k--) {
                    waiting.addFirst(List.of(group.get(k)));
                  }
                } else {
                  group.forEach(p -> waiting.add(List.of(p)));
                }
                if (!chainRunning) {
                  retryMs = FIRST_RETRY_MS;
                  offer(waiting.peekFirst(), true);
                }
              } else {
                // no local store (or it refused the batch for good): hand it on as before
                for (Pending p : group) {
                  bus.publish(Addresses.EVENTS, p.batch());
                  p.taken().complete();
                }
                if (head) {
                  nextWaiting();
                }
              }
            });
  }

  /** The head was taken: offer the next waiting group at once. */
  private void nextWaiting() {
    waiting.removeFirst();
    retryMs = FIRST_RETRY_MS;
    if (!waiting.isEmpty()) {
      offer(waiting.peekFirst(), true);
    }
  }

  /** The store is still full: retry the head after a back-off. */
  private void retryHead() {
    long delay = retryMs;
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
    vertx.setTimer(delay, t -> offer(waiting.peekFirst(), true));
  }
}
