package io.busbar.verticles.mqtt.session;

import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The sessions of this broker, by tenant and client id. Client ids are scoped to the tenant: two
 * tenants may use the same client id without taking over each other's session.
 */
public final class SessionRegistry {

  /**
   * The sessions by tenant, then client id: lookups build no key (and hash no concatenated string)
   * on connect, disconnect and delivery.
   */
  private final Map<String, Map<String, Session>> byTenant = new HashMap<>();

  private int size;

  /** A live view of every session, tenant after tenant. */
  private final Collection<Session> all =
      new AbstractCollection<>() {
        @Override
        public Iterator<Session> iterator() {
          Iterator<Map<String, Session>> tenants = byTenant.values().iterator();
          return new Iterator<>() {
            private Iterator<Session> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
              while (!current.hasNext() && tenants.hasNext()) {
                current = tenants.next().values().iterator();
              }
              return current.hasNext();
            }

            @Override
            public Session next() {
              if (!hasNext()) {
                throw new NoSuchElementException();
              }
              return current.next();
            }
          };
        }

        @Override
        public int size() {
          return size;
        }
      };

  public Optional<Session> get(String tenant, String clientId) {
    return Optional.ofNullable(find(tenant, clientId));
  }

  /** Session for delivery lookups on the hot path; {@code null} when absent. */
  Session find(String tenant, String clientId) {
    Map<String, Session> clients = byTenant.get(tenant);
    return clients == null ? null : clients.get(clientId);
  }

  public void put(Session session) {
    Session before =
        byTenant
            .computeIfAbsent(session.tenant(), t -> new HashMap<>())
            .put(session.clientId(), session);
    if (before == null) {
      size++;
    }
  }

  public void remove(Session session) {
    Map<String, Session> clients = byTenant.get(session.tenant());
    if (clients != null && clients.remove(session.clientId(), session)) {
      size--;
      if (clients.isEmpty()) {
        byTenant.remove(session.tenant());
      }
    }
  }

  /** Every session, a live view (copy it before ending sessions while iterating). */
  public Collection<Session> all() {
    return all;
  }

  public int size() {
    return size;
  }
}
