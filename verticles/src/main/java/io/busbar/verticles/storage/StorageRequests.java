package io.busbar.verticles.storage;

import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/** Request-side helpers shared by every storage backend's consumers; event loop. */
final class StorageRequests {

  private StorageRequests() {}

  /**
   * The JSON body of a query request ({@code null} when empty).
   *
   * @throws InvalidRequestException naming {@code body} if it is not a JSON object
   */
  static JsonObject body(Message<?> message) {
    Object body = message.body();
    if (body == null || body instanceof JsonObject) {
      return (JsonObject) body;
    }
    throw new InvalidRequestException("body", "request must be a JSON object");
  }
}
