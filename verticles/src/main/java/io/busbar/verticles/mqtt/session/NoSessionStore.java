package io.busbar.verticles.mqtt.session;

import io.vertx.core.Future;
import java.util.List;

/** {@link SessionStore#none()}: every change is ignored. */
final class NoSessionStore implements SessionStore {

  static final NoSessionStore INSTANCE = new NoSessionStore();

  private NoSessionStore() {}

  @Override
  public List<StoredSession> load() {
    return List.of();
  }

  @Override
  public void sessionSaved(String tenant, String clientId, long expirySeconds) {}

  @Override
  public void sessionEnded(String tenant, String clientId) {}

  @Override
  public void subscribed(String tenant, String clientId, Subscription subscription) {}

  @Override
  public void unsubscribed(String tenant, String clientId, String filter) {}

  @Override
  public Future<Void> messageAdded(String tenant, String clientId, long seq, Delivery delivery) {
    return null;
  }

  @Override
  public void messageReleased(String tenant, String clientId, long seq, int packetId) {}

  @Override
  public void messageRemoved(String tenant, String clientId, long seq) {}
}
