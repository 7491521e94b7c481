package io.busbar.verticles.storage;

import io.busbar.codecs.bus.Addresses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every store answers queries on the bus, the same for DuckDB and PostgreSQL: a request that
 * does not parse gets 400, more than {@link #MAX_PENDING} waiting gets 503, a failed query 500 (an
 * {@link InvalidRequestException} found while running it, 400); each counted in {@code
 * busbar.storage.queries.failed{code}}. Event loop only: the pending count needs no lock.
 */
final class QueryGate {

  /** Queries accepted but not yet answered; beyond this they fail with 503. */
  static final int MAX_PENDING = 64;

  private static final Logger LOG = LoggerFactory.getLogger(QueryGate.class);

  private final Counter badRequest;
  private final Counter busy;
  private final Counter error;
  private int pending;

  QueryGate(MeterRegistry registry) {
    this.badRequest = failed(registry, "400");
    this.busy = failed(registry, "503");
    this.error = failed(registry, "500");
  }

  private static Counter failed(MeterRegistry registry, String code) {
    return Counter.builder("busbar.storage.queries.failed")
        .description("Storage queries answered with an error")
        .tag("code", code)
        .register(registry);
  }

  /**
   * The request parsed from the message's JSON body, or {@code null} once the message was failed
   * with 400.
   */
  <R> R parse(Message<Object> message, Function<JsonObject, R> fromJson) {
    try {
      return fromJson.apply(StorageRequests.body(message));
    } catch (InvalidRequestException e) {
      badRequest.increment();
      message.fail(400, e.getMessage());
      return null;
    }
  }

  /** Runs {@code query} unless too many wait, then answers with {@code reply} or the error. */
  <T> void run(Message<Object> message, Supplier<Future<T>> query, Consumer<T> reply) {
    if (pending >= MAX_PENDING) {
      busy.increment();
      message.fail(503, "storage is busy: " + pending + " queries waiting");
      return;
    }
    pending++;
    query
        .get()
        .onComplete(
            done -> {
              pending--;
              if (done.succeeded()) {
                reply.accept(done.result());
              } else if (done.cause() instanceof InvalidRequestException bad) {
                badRequest.increment();
                message.fail(400, bad.getMessage());
              } else {
                error.increment();
                LOG.error("Storage query failed", done.cause());
                message.fail(500, "storage query failed");
              }
            });
  }

  /** Replies with a page of telemetry, its continuation in {@code NEXT_CURSOR_HEADER}. */
  static void replyPage(Message<Object> message, TelemetryPage page) {
    DeliveryOptions options = new DeliveryOptions();
    if (page.next() != null) {
      options.addHeader(Addresses.NEXT_CURSOR_HEADER, page.next().encode());
    }
    message.reply(page.rows(), options);
  }
}
