package io.busbar.security.audit;

import io.vertx.core.eventbus.EventBus;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes {@link AuditEvent}s as JSON on the audit address ({@code busbar.audit}, {@code
 * io.busbar.codecs.bus.Addresses#AUDIT}) for whoever stores, counts or shows them. Fire and forget:
 * publishing never fails the decision it records. Thread-safe.
 */
public final class AuditTrail {

  private final EventBus bus;
  private final String address;
  private final AtomicLong published = new AtomicLong();

  public AuditTrail(EventBus bus, String address) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.address = Objects.requireNonNull(address, "address");
  }

  /** Publishes {@code event}. */
  public void record(AuditEvent event) {
    bus.publish(address, event.toJson());
    published.incrementAndGet();
  }

  /** Events published so far. */
  public long publishedCount() {
    return published.get();
  }
}
