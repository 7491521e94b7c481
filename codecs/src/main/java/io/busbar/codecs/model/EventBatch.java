package io.busbar.codecs.model;

import java.util.List;

/** The events decoded from one message, sent on the event bus as one unit. */
public record EventBatch(List<Event> events) {

  public EventBatch {
    events = List.copyOf(events);
  }

  public int size() {
    return events.size();
  }
}
