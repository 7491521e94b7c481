package io.busbar.security.audit;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes {@link AuditEvent}s as JSON on the audit address ({@code busbar.audit}, {@code
 * io.busbar.codecs.bus.Addresses#AUDIT}) for whoever counts or shows them, and hands them to the
 * node's store on {@code <address>.store} ({@code Addresses#AUDIT_STORE}): the events of one
 * event-loop turn in one local message, a JsonArray, sent once the turn's current task is done (at
 * once when recorded off a Vert.x context). Fire and forget: publishing never fails the decision it
 * records. Thread-safe.
 */
public final class AuditTrail {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  /**
   * How long events gather before they go to the store: one message (and one wake-up of the store's
   * thread) per this many milliseconds at most, whatever the rate of decisions.
   */
  static final long HAND_OFF_MILLIS = 10;

  private final EventBus bus;
  private final String address;
  private final String storeAddress;
  private final AtomicLong published = new AtomicLong();

  /** Events recorded and not yet handed to the store; guarded by {@code this}. */
  private JsonArray pending;

  public AuditTrail(EventBus bus, String address) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.address = Objects.requireNonNull(address, "address");
    this.storeAddress = address + ".store";
  }

  /** Publishes {@code event}. */
  public void record(AuditEvent event) {
    JsonObject json = event.toJson();
    bus.publish(address, json);
    published.incrementAndGet();
    boolean first;
    synchronized (this) {
      first = pending == null;
      if (first) {
        pending = new JsonArray();
      }
      pending.add(json);
    }
    if (first) {
      Context context = Vertx.currentContext();
      if (context == null) {
        handToStore();
      } else {
        context.owner().setTimer(HAND_OFF_MILLIS, t -> handToStore());
      }
    }
  }

  private void handToStore() {
    JsonArray batch;
    synchronized (this) {
      batch = pending;
      pending = null;
    }
    if (batch != null) {
      bus.publish(storeAddress, batch, LOCAL);
    }
  }

  /** Events published so far. */
  public long publishedCount() {
    return published.get();
  }
}
