package io.busbar.verticles.command;

/**
 * Why a command did not get a response, with the status the caller sees: the event-bus failure
 * code, which the REST layer turns into the same HTTP status.
 */
public final class CommandFailure extends RuntimeException {

  /** 400: the request is malformed. */
  public static final int BAD_REQUEST = 400;

  /** 404: no session of the device is subscribed to its command topic (it is not connected). */
  public static final int NOT_CONNECTED = 404;

  /** 409: a command with the same correlation id is still waiting for its response. */
  public static final int DUPLICATE = 409;

  /** 503: too many commands are waiting for responses, or the broker did not take the command. */
  public static final int BUSY = 503;

  /** 504: the device did not respond in time. */
  public static final int TIMEOUT = 504;

  private final int code;

  public CommandFailure(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
