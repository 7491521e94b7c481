package io.busbar.verticles.mqtt.session;

import io.vertx.core.Future;
import java.util.List;

/**
 * The last retained message of every topic, per tenant (MQTT 3.1.1 §3.3.1.3, 5.0 §3.3.1.3). One
 * implementation per backing: memory now; disk and Hazelcast later.
 */
public interface RetainedStore {

  /**
   * Stores {@code message} as the retained message of its topic; an empty payload clears it. The
   * change is visible to {@link #matching} at once.
   *
   * @return a future completed when the change is durable (at once for memory), failed when it
   *     could not be written
   */
  Future<Void> put(Message message);

  /** The retained messages of {@code tenant} whose topics match the valid filter {@code filter}. */
  List<Message> matching(String tenant, String filter);

  /** Whether {@code tenant} has a retained message on the topic name {@code topic}. */
  default boolean has(String tenant, String topic) {
    return !matching(tenant, topic).isEmpty();
  }

  /** The number of retained messages held, all tenants. */
  int size();

  /** Flushes and releases what the store holds open. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
