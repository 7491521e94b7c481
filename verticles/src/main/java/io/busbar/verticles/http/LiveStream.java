package io.busbar.verticles.http;

import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.EventBatch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fans every {@link EventBatch} out to the connected {@code /ws} clients, one text frame per batch
 * and client. A client whose write queue is full misses the frame (counted in {@code
 * busbar.ws.dropped}, by readings), so one slow browser never makes the node buffer without bound.
 *
 * <p>Called on the HTTP verticle's event loop (bus consumer and socket handlers share it); the set
 * is concurrent only so that the {@code busbar.ws.clients} gauge can be read from a scrape thread.
 */
final class LiveStream {

  /** One connected client and the devices it asked for (empty: all). */
  private record Client(ServerWebSocket socket, Set<String> devices) {
    boolean wantsAll() {
      return devices.isEmpty();
    }
  }

  private final Set<Client> clients = ConcurrentHashMap.newKeySet();
  private final MeterRegistry registry;
  private final Counter dropped;
  private final Gauge connected;

  LiveStream(MeterRegistry registry) {
    this.registry = registry;
    this.dropped =
        Counter.builder("busbar.ws.dropped")
            .description("Readings not sent to a /ws client because its write queue was full")
            .baseUnit("readings")
            .register(registry);
    this.connected =
        Gauge.builder("busbar.ws.clients", clients, Set::size)
            .description("Connected /ws live-stream clients")
            .strongReference(true)
            .register(registry);
  }

  /** Adds a client until its socket closes; {@code devices} empty means every device. */
  void add(ServerWebSocket socket, Set<String> devices) {
    Client client = new Client(socket, Set.copyOf(devices));
    clients.add(client);
    socket.closeHandler(v -> clients.remove(client));
    // Reading errors (a reset connection) end in close; nothing else to do.
    socket.exceptionHandler(e -> clients.remove(client));
  }

  /** Sends {@code batch} to every client that wants some of it. */
  void publish(EventBatch batch) {
    if (clients.isEmpty() || batch.size() == 0) {
      return;
    }
    String all = null; // encoded once, shared by every unfiltered client
    for (Client client : clients) {
      List<Event> events = client.wantsAll() ? batch.events() : select(batch, client.devices());
      if (events.isEmpty()) {
        continue;
      }
      if (client.socket().writeQueueFull()) {
        dropped.increment(events.size());
        continue;
      }
      String frame;
      if (client.wantsAll()) {
        if (all == null) {
          all = EventJson.frame(events);
        }
        frame = all;
      } else {
        frame = EventJson.frame(events);
      }
      // A write to a socket that is closing fails; its close handler removes it.
      client.socket().writeTextMessage(frame);
    }
  }

  /** Closes every client and removes the meters (the verticle is stopping). */
  void close() {
    for (Client client : clients) {
      client.socket().close();
    }
    clients.clear();
    registry.remove(connected);
    registry.remove(dropped);
  }

  int size() {
    return clients.size();
  }

  private static List<Event> select(EventBatch batch, Set<String> devices) {
    List<Event> out = new ArrayList<>(0);
    for (Event e : batch.events()) {
      if (devices.contains(e.deviceId())) {
        out.add(e);
      }
    }
    return out;
  }
}
