package io.busbar.verticles.http;

/** A request parameter is malformed or out of range; becomes a 400 problem naming it. */
public final class BadParameterException extends RuntimeException {

  private final String parameter;
  private final String value;

  public BadParameterException(String parameter, String value, String why) {
    super(parameter + "=" + value + ": " + why, null, false, false);
    this.parameter = parameter;
    this.value = value;
  }

  /** The parameter's name, e.g. {@code from}. */
  public String parameter() {
    return parameter;
  }

  /** The value as the client sent it. */
  public String value() {
    return value;
  }
}
