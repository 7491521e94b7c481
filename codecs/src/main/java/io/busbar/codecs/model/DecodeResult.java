package io.busbar.codecs.model;

import java.util.List;

/** What a decoder made of a payload: events, or a precise reason for rejecting it. Never thrown. */
public sealed interface DecodeResult permits DecodeResult.Decoded, DecodeResult.Rejected {

  static DecodeResult decoded(List<Event> events) {
    return new Decoded(List.copyOf(events));
  }

  static DecodeResult rejected(String reason) {
    return new Rejected(reason);
  }

  record Decoded(List<Event> events) implements DecodeResult {}

  record Rejected(String reason) implements DecodeResult {}
}
