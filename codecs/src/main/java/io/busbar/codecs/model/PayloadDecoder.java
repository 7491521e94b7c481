package io.busbar.codecs.model;

import io.vertx.core.buffer.Buffer;

/**
 * Turns the bytes of one message into events. Implementations are pure and thread-safe; they never
 * throw, whatever the bytes: a payload they cannot read is a {@link DecodeResult.Rejected}.
 */
@FunctionalInterface
public interface PayloadDecoder {

  DecodeResult decode(MessageContext context, Buffer payload);
}
