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

  private static String key(String tenant, String clientId) {
    return tenant + '\u0000' + clientId;
  }

  public Optional<Session> get(String tenant, String clientId) {
    return Optional.ofNullable(sessions.get(key(tenant, clientId)));
  }

  /** Session for delivery lookups on the hot path; {@code null} when absent. */
  Session find(String tenant, String clientId) {
    return sessions.get(key(tenant, clientId));
  }

  public void put(Session session) {
    sessions.put(key(session.tenant(), session.clientId()), session);
  }

  public void remove(Session session) {
    sessions.remove(key(session.tenant(), session.clientId()), session);
  }

  public Collection<Session> all() {
    return sessions.values();
  }

  public int size() {
    return sessions.size();
  }
}
