package io.busbar.codecs.routing;

import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.PayloadDecoder;
import io.vertx.core.buffer.Buffer;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Picks a decoder by the MQTT 5 content type of the message (MQTT 5.0 §3.3.2.3.9), e.g. JSON or
 * CBOR on the same telemetry topic. A message without a content type (MQTT 3.1.1, or none set) goes
 * to the default decoder; a content type no decoder reads is rejected, naming it. Media type
 * parameters ({@code ; charset=utf-8}) and case are ignored. Immutable and thread-safe.
 */
public final class ContentTypeDecoder implements PayloadDecoder {

  private final PayloadDecoder byDefault;
  private final Map<String, PayloadDecoder> byContentType;

  /**
   * @param byDefault the decoder for messages without a content type
   * @param byContentType media type (e.g. {@code application/cbor}) → decoder
   */
  public ContentTypeDecoder(PayloadDecoder byDefault, Map<String, PayloadDecoder> byContentType) {
    this.byDefault = byDefault;
    Map<String, PayloadDecoder> types = new TreeMap<>();
    byContentType.forEach((type, decoder) -> types.put(mediaType(type), decoder));
    this.byContentType = Map.copyOf(types);
  }

  @Override
  public DecodeResult decode(MessageContext context, Buffer payload) {
    String contentType = context.contentType();
    if (contentType == null || contentType.isBlank()) {
      return byDefault.decode(context, payload);
    }
    PayloadDecoder decoder = byContentType.get(mediaType(contentType));
    if (decoder == null) {
      return DecodeResult.rejected(
          "content type '"
              + contentType
              + "' is not decoded on this topic: expected one of "
              + new TreeMap<>(byContentType).keySet());
    }
    return decoder.decode(context, payload);
  }

  /** The media types this decoder reads by name (lower case, without parameters). */
  public java.util.Set<String> contentTypes() {
    return new java.util.TreeSet<>(byContentType.keySet());
  }

  /**
   * Whether a message of {@code contentType} has a decoder here: a named one, or the default for
   * none. Parameters and case are ignored as in {@link #decode}.
   */
  public boolean reads(String contentType) {
    return contentType == null
        || contentType.isBlank()
        || byContentType.containsKey(mediaType(contentType));
  }

  private static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.trim().toLowerCase(Locale.ROOT);
  }
}
