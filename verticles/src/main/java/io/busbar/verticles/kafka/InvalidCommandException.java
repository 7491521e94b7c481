package io.busbar.verticles.kafka;

/** A command record that cannot be executed; the message says which field and why. */
final class InvalidCommandException extends RuntimeException {

  InvalidCommandException(String reason) {
    super(reason, null, false, false);
  }
}
