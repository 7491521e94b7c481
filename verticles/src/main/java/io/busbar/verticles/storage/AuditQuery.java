package io.busbar.verticles.storage;

import io.vertx.core.json.JsonObject;

/**
 * A validated request on {@code Addresses.STORAGE_AUDIT_QUERY}: the latest audit events, newest
 * first.
 *
 * @param tenant only events of this tenant, or {@code null} for any (the REST layer sets it)
 * @param subject only events about this subject (device id or user), or {@code null} for any
 * @param limit the most events returned
 */
record AuditQuery(String tenant, String subject, int limit) {

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 10_000;

  public AuditQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidRequestException(
          "limit", "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }

  /**
   * Reads {@code {tenant?, subject?, limit?}}; a {@code null} request means all defaults.
   *
   * @throws InvalidRequestException naming the first bad field
   */
  public static AuditQuery fromJson(JsonObject request) {
    JsonObject r = request == null ? new JsonObject() : request;
    return new AuditQuery(
        RequestFields.optionalText(r, "tenant"),
        RequestFields.optionalText(r, "subject"),
        RequestFields.limit(r, DEFAULT_LIMIT, MAX_LIMIT));
  }
}
