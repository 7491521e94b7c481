package io.busbar.codecs.bus;

import io.busbar.codecs.model.DeadLetter;
import io.busbar.codecs.model.EventBatch;
import io.vertx.core.eventbus.EventBus;

/** Registers the Busbar codecs as the default codecs of their types, once per Vert.x instance. */
public final class BusCodecs {

  private BusCodecs() {}

  public static void register(EventBus bus) {
    bus.registerDefaultCodec(EventBatch.class, new EventBatchMessageCodec());
    bus.registerDefaultCodec(DeadLetter.class, new DeadLetterMessageCodec());
  }
}
