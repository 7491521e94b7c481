package io.busbar.verticles.mqtt.session;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The sessions of this broker, by tenant and client id. Client ids are scoped to the tenant: two
 * tenants may use the same client id without taking over each other's session.
 */
public final class SessionRegistry {

  private final Map<String, Session> sessions = new HashMap<>();

  /**
   * The same sessions by tenant, then client id: the delivery path looks a session up per receiver,
   * and this needs no key built (and hashed) per lookup.
   */
  private final Map<String, Map<String, Session>> byTenant = new HashMap<>();

  private static String key(String tenant, String clientId) {
    return tenant + '\u0000' + clientId;
  }

  public Optional<Session> get(String tenant, String clientId) {
    return Optional.ofNullable(find(tenant, clientId));
  }

  /** Session for delivery lookups on the hot path; {@code null} when absent. */
  Session find(String tenant, String clientId) {
    Map<String, Session> clients = byTenant.get(tenant);
    return clients == null ? null : clients.get(clientId);
  }

  public void put(Session session) {
    sessions.put(key(session.tenant(), session.clientId()), session);
    byTenant
        .computeIfAbsent(session.tenant(), t -> new HashMap<>())
        .put(session.clientId(), session);
  }

  public void remove(Session session) {
    if (sessions.remove(key(session.tenant(), session.clientId()), session)) {
      Map<String, Session> clients = byTenant.get(session.tenant());
      if (clients != null && clients.remove(session.clientId(), session) && clients.isEmpty()) {
        byTenant.remove(session.tenant());
      }
    }
  }

  public Collection<Session> all() {
    return sessions.values();
  }

  public int size() {
    return sessions.size();
  }
}
