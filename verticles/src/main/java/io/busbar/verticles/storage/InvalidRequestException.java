package io.busbar.verticles.storage;

/**
 * A query request with a missing or malformed field; the verticle answers it with {@code 400} and
 * this message, which names the field.
 */
final class InvalidRequestException extends IllegalArgumentException {

  private final String field;

  public InvalidRequestException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field that was wrong. */
  public String field() {
    return field;
  }
}
