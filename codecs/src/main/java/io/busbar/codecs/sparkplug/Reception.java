package io.busbar.codecs.sparkplug;

import io.busbar.codecs.model.DecodeResult;
import java.util.List;

/**
 * What the host made of one Sparkplug message: the events (or a precise rejection, kept as a dead
 * letter) and the online/offline changes it caused.
 *
 * @param result the events, or why the message could not be read
 * @param changes node and device status changes, in order
 */
public record Reception(DecodeResult result, List<NodeStatus> changes) {

  public Reception {
    changes = List.copyOf(changes);
  }
}
