package io.busbar.verticles.http;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * An HTTP error as RFC 7807 "Problem Details" ({@code application/problem+json}).
 *
 * @param type a URI naming the kind of problem (RFC 7807 §3.1), {@code urn:busbar:problem:…}
 * @param title a short summary of the kind, the same for every occurrence
 * @param status the HTTP status code
 * @param detail what went wrong this time: the parameter and value, or the backend's reason
 */
public record Problem(String type, String title, int status, String detail) {

  /** The media type of RFC 7807 §6.1. */
  public static final String MEDIA_TYPE = "application/problem+json";

  public Problem {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(detail, "detail");
  }

  /** 400: a query or path parameter is malformed or out of range. */
  public static Problem badParameter(BadParameterException e) {
    return new Problem("urn:busbar:problem:bad-parameter", "Bad parameter", 400, e.getMessage());
  }

  /** 404: no resource under {@code /api} at that path. */
  public static Problem notFound(String path) {
    return new Problem("urn:busbar:problem:not-found", "Not found", 404, "no resource at " + path);
  }

  /** 500: a bug on this side. */
  public static Problem internal(Throwable cause) {
    return new Problem(
        "urn:busbar:problem:internal",
        "Internal error",
        500,
        String.valueOf(cause == null ? "unknown" : cause.getMessage()));
  }

  /**
   * Turns a failed event-bus request into the answer the caller sees: 503 when no backend answers
   * (no consumer or timeout), the backend's own failure code when it is an HTTP error code (e.g. a
   * 400 from storage), else 502.
   */
  public static Problem fromBusFailure(String address, Throwable failure) {
    if (failure instanceof ReplyException re) {
      switch (re.failureType()) {
        case NO_HANDLERS:
          return unavailable("no backend listens on " + address);
        case TIMEOUT:
          return unavailable("backend on " + address + " did not answer in time");
        default:
          int code = re.failureCode();
          if (code >= 400 && code <= 599) {
            return new Problem(
                "urn:busbar:problem:backend-" + code,
                code < 500 ? "Rejected by backend" : "Backend failed",
                code,
                String.valueOf(re.getMessage()));
          }
          return badGateway(address + " failed: " + re.getMessage());
      }
    }
    return badGateway(address + " failed: " + (failure == null ? "unknown" : failure.getMessage()));
  }

  /** 502: a backend answered with something this side cannot use. */
  public static Problem badGateway(String detail) {
    return new Problem("urn:busbar:problem:bad-gateway", "Bad backend reply", 502, detail);
  }

  /** 401: no token, or one that is not valid; {@code detail} must not echo the token. */
  public static Problem unauthorized(String detail) {
    return new Problem("urn:busbar:problem:unauthorized", "Unauthorized", 401, detail);
  }

  /** 401: the token is valid but the role needs multi-factor authentication (RFC 9470). */
  public static Problem mfaRequired() {
    return new Problem(
        "urn:busbar:problem:mfa-required",
        "Multi-factor authentication required",
        401,
        "this operation needs a token from a multi-factor login");
  }

  /** 403: the token is valid but no role of it grants the permission. */
  public static Problem forbidden(String permission) {
    return new Problem(
        "urn:busbar:problem:forbidden", "Forbidden", 403, "no role grants " + permission);
  }

  /** 403: a device wrote readings for another device. */
  public static Problem forbiddenDevice() {
    return new Problem(
        "urn:busbar:problem:forbidden",
        "Forbidden",
        403,
        "a device may write only its own readings");
  }

  /** 415: no decoder reads the body's media type; {@code accepted} lists those that are read. */
  public static Problem unsupportedMediaType(String contentType, java.util.Set<String> accepted) {
    return new Problem(
        "urn:busbar:problem:unsupported-media-type",
        "Unsupported media type",
        415,
        (contentType == null ? "no Content-Type" : "Content-Type '" + contentType + "'")
            + " is not decoded here: expected one of "
            + accepted);
  }

  /** 400: the body could not be decoded; it went to the dead letters with {@code reason}. */
  public static Problem undecodable(String reason) {
    return new Problem("urn:busbar:problem:undecodable", "Undecodable payload", 400, reason);
  }

  /** 413: the body is larger than {@code limit} bytes. */
  public static Problem tooLarge(long limit) {
    return new Problem(
        "urn:busbar:problem:too-large",
        "Payload too large",
        413,
        "the body is larger than " + limit + " bytes");
  }

  /** 503: the store's queue is full; nothing was taken, retry after {@code Retry-After}. */
  public static Problem storeFull() {
    return new Problem(
        "urn:busbar:problem:store-full",
        "Store full",
        503,
        "the store's queue is full: nothing was taken, retry later");
  }

  /** 429: too many authentication attempts from this address. */
  public static Problem throttled() {
    return new Problem(
        "urn:busbar:problem:throttled", "Too many requests", 429, "too many attempts, retry later");
  }

  /** 503: the token cannot be checked now (the issuer's keys are unavailable). */
  public static Problem authUnavailable() {
    return unavailable("authentication temporarily unavailable");
  }

  private static Problem unavailable(String detail) {
    return new Problem(
        "urn:busbar:problem:backend-unavailable", "Backend unavailable", 503, detail);
  }

  /** Returns the RFC 7807 JSON body, with {@code instance} (§3.1) set to the request path. */
  public JsonObject toJson(String instance) {
    JsonObject json =
        new JsonObject()
            .put("type", type)
            .put("title", title)
            .put("status", status)
            .put("detail", detail);
    if (instance != null) {
      json.put("instance", instance);
    }
    return json;
  }
}
