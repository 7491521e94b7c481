package io.busbar.verticles.storage;

import io.vertx.core.json.JsonObject;

/**
 * A validated request on {@code Addresses.STORAGE_DEAD_LETTERS_QUERY}: the latest dead letters,
 * newest first.
 *
 * @param tenant only dead letters of this tenant, or {@code null} for any (the REST layer sets it)
 * @param limit the most dead letters returned
 */
record DeadLetterQuery(String tenant, int limit) {

  public static final int DEFAULT_LIMIT = 1_000;
  public static final int MAX_LIMIT = 10_000;

  public DeadLetterQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidRequestException(
          "limit", "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }

  /**
   * Reads {@code {tenant?, limit?}}; a {@code null} request means all defaults.
   *
   * @throws InvalidRequestException naming the first bad field
   */
  public static DeadLetterQuery fromJson(JsonObject request) {
    JsonObject r = request == null ? new JsonObject() : request;
    return new DeadLetterQuery(
        RequestFields.optionalText(r, "tenant"), RequestFields.limit(r, DEFAULT_LIMIT, MAX_LIMIT));
  }
}
