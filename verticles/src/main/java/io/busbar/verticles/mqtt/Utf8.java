package io.busbar.verticles.mqtt;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Well-formed UTF-8 checks (MQTT 5.0 §1.5.4) for payloads that claim to be UTF-8. */
final class Utf8 {

  private Utf8() {}

  static boolean isValid(Buffer payload) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(payload.getBytes()));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
