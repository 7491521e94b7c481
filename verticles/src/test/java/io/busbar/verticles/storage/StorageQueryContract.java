package io.busbar.verticles.storage;

import static io.busbar.verticles.storage.StorageTestSupport.awaitTelemetry;
import static io.busbar.verticles.storage.StorageTestSupport.event;
import static io.busbar.verticles.storage.StorageTestSupport.publish;
import static io.busbar.verticles.storage.StorageTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.Value;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The query contract every storage backend keeps: downsampling, latest values, paging and bad
 * requests over the same readings, with the same answers. One store per subclass.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class StorageQueryContract {

  /** 2024-05-29T16:27:00Z, a whole minute. */
  private static final long T0 = 1_717_000_020_000L;

  protected Vertx vertx;

  /**
   * Deploys the store under test (queue 10 000, batches of 100, flushed every 20 ms) on {@code
   * vertx}, whose codecs are registered.
   *
   * @return the deployment id
   */
  protected abstract String deployStore(Vertx vertx) throws Exception;

  @BeforeAll
  void deploy(Vertx shared) throws Exception {
    vertx = shared;
    BusCodecs.register(vertx.eventBus());
    deployStore(vertx);
    // bucket-1: temp every 10 s for three minutes, values 1..18; a text metric; two pressures
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 18; i++) {
      events.add(event("bucket-1", "temp", T0 + i * 10_000L, Value.of(i + 1.0)));
    }
    events.add(event("bucket-1", "state", T0 + 5_000, Value.of("RUNNING")));
    events.add(event("bucket-1", "pressure", T0 + 70_000, Value.of(2.0)));
    events.add(event("bucket-1", "pressure", T0 + 80_000, Value.of(4.0)));
    // page-1: metrics a and b at the same 13 instants
    for (int i = 1; i <= 13; i++) {
      events.add(event("page-1", "a", i * 1_000L, Value.of(i)));
      events.add(event("page-1", "b", i * 1_000L, Value.of(-i)));
    }
    publish(vertx, events.toArray(Event[]::new));
    awaitTelemetry(vertx, new JsonObject().put("device", "bucket-1"), 21);
    awaitTelemetry(vertx, new JsonObject().put("device", "page-1"), 26);
  }

  /** Verifies avg, min, max, last and count per one-minute bucket over numeric readings only. */
  @Test
  void aggregatesPerMinute() throws Exception {
    JsonObject base =
        new JsonObject().put("device", "bucket-1").put("metric", "temp").put("bucket", "1m");

    assertThat(values(base)).containsExactly(3.5, 9.5, 15.5);
    assertThat(values(base.copy().put("agg", "min"))).containsExactly(1.0, 7.0, 13.0);
    assertThat(values(base.copy().put("agg", "max"))).containsExactly(6.0, 12.0, 18.0);
    assertThat(values(base.copy().put("agg", "last"))).containsExactly(6.0, 12.0, 18.0);
    assertThat(values(base.copy().put("agg", "count"))).containsExactly(6L, 6L, 6L);
    JsonArray rows = request(vertx, Addresses.STORAGE_TELEMETRY_QUERY, base);
    assertThat(rows.stream().map(r -> ((JsonObject) r).getLong("ts")))
        .containsExactly(T0, T0 + 60_000, T0 + 120_000);
  }

  /** Verifies that wider buckets and a window cut in mid-bucket cover whole buckets. */
  @Test
  void widerBucketsAndWholeBucketWindows() throws Exception {
    JsonObject all =
        new JsonObject().put("device", "bucket-1").put("bucket", "5m").put("agg", "count");
    JsonArray rows = request(vertx, Addresses.STORAGE_TELEMETRY_QUERY, all);
    // state is text: not in buckets
    assertThat(rows).hasSize(2);
    assertThat(rows.getJsonObject(0).getString("metric")).isEqualTo("pressure");
    assertThat(rows.getJsonObject(0).getLong("value")).isEqualTo(2L);
    assertThat(rows.getJsonObject(1).getLong("value")).isEqualTo(18L);

    // from inside the second minute: the whole second minute counts
    JsonObject cut =
        new JsonObject()
            .put("device", "bucket-1")
            .put("metric", "temp")
            .put("bucket", "1m")
            .put("from", T0 + 65_000)
            .put("to", T0 + 65_001);
    assertThat(values(cut)).containsExactly(9.5);
  }

  /** Verifies that latest=true returns the newest reading of each metric, typed, by metric. */
  @Test
  void latestPerMetric() throws Exception {
    JsonArray rows =
        request(
            vertx,
            Addresses.STORAGE_TELEMETRY_QUERY,
            new JsonObject().put("device", "bucket-1").put("latest", "true"));

    assertThat(rows.stream().map(r -> ((JsonObject) r).getString("metric")))
        .containsExactly("pressure", "state", "temp");
    assertThat(rows.getJsonObject(0).getValue("value")).isEqualTo(4.0);
    assertThat(rows.getJsonObject(1).getValue("value")).isEqualTo("RUNNING");
    assertThat(rows.getJsonObject(2).getLong("ts")).isEqualTo(T0 + 170_000);
    assertThat(rows.getJsonObject(2).getString("quality")).isEqualTo("GOOD");
  }

  /**
   * Verifies that following the cursor header pages back through every raw row exactly once, even
   * when a page boundary splits readings that share a timestamp.
   */
  @Test
  void rawPagesCoverEveryRowOnce() throws Exception {
    JsonObject query = new JsonObject().put("device", "page-1").put("limit", 5);
    List<String> seen = new ArrayList<>();
    int pages = 0;
    String cursor = null;
    do {
      JsonObject request = cursor == null ? query : query.copy().put("cursor", cursor);
      Message<JsonArray> reply = ask(request);
      List<String> page = new ArrayList<>();
      reply
          .body()
          .forEach(
              r ->
                  page.add(
                      ((JsonObject) r).getLong("ts") + "/" + ((JsonObject) r).getString("metric")));
      seen.addAll(0, page);
      cursor = reply.headers().get(Addresses.NEXT_CURSOR_HEADER);
      pages++;
    } while (cursor != null && pages < 20);

    assertThat(seen).hasSize(26).doesNotHaveDuplicates();
    assertThat(seen.get(0)).isEqualTo("1000/a");
    assertThat(seen.get(25)).isEqualTo("13000/b");
    assertThat(pages).isEqualTo(6);
  }

  /** Verifies that bucketed results page back the same way. */
  @Test
  void bucketPagesCoverEveryBucketOnce() throws Exception {
    JsonObject query =
        new JsonObject()
            .put("device", "page-1")
            .put("bucket", "1s")
            .put("agg", "last")
            .put("limit", 10);
    Set<String> seen = new HashSet<>();
    Message<JsonArray> first = ask(query);
    first
        .body()
        .forEach(
            r ->
                seen.add(
                    ((JsonObject) r).getLong("ts") + "/" + ((JsonObject) r).getString("metric")));
    String cursor = first.headers().get(Addresses.NEXT_CURSOR_HEADER);
    assertThat(cursor).isNotNull();
    Message<JsonArray> second = ask(query.copy().put("cursor", cursor));
    second
        .body()
        .forEach(
            r ->
                seen.add(
                    ((JsonObject) r).getLong("ts") + "/" + ((JsonObject) r).getString("metric")));
    Message<JsonArray> third =
        ask(query.copy().put("cursor", second.headers().get(Addresses.NEXT_CURSOR_HEADER)));
    third
        .body()
        .forEach(
            r ->
                seen.add(
                    ((JsonObject) r).getLong("ts") + "/" + ((JsonObject) r).getString("metric")));

    assertThat(seen).hasSize(26);
    assertThat(third.body()).hasSize(6);
    assertThat(third.headers().get(Addresses.NEXT_CURSOR_HEADER)).isNull();
    assertThat(first.body().getJsonObject(9).getLong("ts")).isEqualTo(13_000L);
  }

  /**
   * Verifies that the latest rows are found however far apart they are (the narrow windows tried
   * first hold too few of them), with and without a window end.
   */
  @Test
  void latestRowsFoundAcrossSparseHistory() throws Exception {
    long day = 86_400_000L;
    publish(
        vertx,
        event("sparse-1", "m", 0, Value.of(0)),
        event("sparse-1", "m", 10 * day, Value.of(10)),
        event("sparse-1", "m", 40 * day, Value.of(40)),
        event("sparse-1", "m", 400 * day, Value.of(400)));
    awaitTelemetry(vertx, new JsonObject().put("device", "sparse-1"), 3);
    StorageTestSupport.awaitCondition(
        () -> {
          try {
            return request(
                        vertx,
                        Addresses.STORAGE_TELEMETRY_QUERY,
                        new JsonObject().put("device", "sparse-1").put("latest", true))
                    .getJsonObject(0)
                    .getLong("ts")
                == 400 * day;
          } catch (Exception e) {
            return false;
          }
        });

    assertThat(values(new JsonObject().put("device", "sparse-1").put("limit", 3)))
        .containsExactly(10.0, 40.0, 400.0);
    assertThat(
            values(new JsonObject().put("device", "sparse-1").put("limit", 2).put("to", 400 * day)))
        .containsExactly(10.0, 40.0);
    assertThat(
            values(
                new JsonObject()
                    .put("device", "sparse-1")
                    .put("limit", 2)
                    .put("from", 1)
                    .put("to", 400 * day)))
        .containsExactly(10.0, 40.0);
  }

  /** Verifies that metric and device names are data, never SQL. */
  @Test
  void namesCannotInjectSql() throws Exception {
    for (String evil :
        List.of("temp' OR '1'='1", "x'; DROP TABLE telemetry; --", "\\' OR 1=1 --")) {
      assertThat(
              request(
                  vertx,
                  Addresses.STORAGE_TELEMETRY_QUERY,
                  new JsonObject().put("device", "bucket-1").put("metric", evil)))
          .isEmpty();
      assertThat(
              request(
                  vertx,
                  Addresses.STORAGE_TELEMETRY_QUERY,
                  new JsonObject().put("device", evil).put("bucket", "1h")))
          .isEmpty();
    }
    assertThat(
            request(
                vertx,
                Addresses.STORAGE_TELEMETRY_QUERY,
                new JsonObject().put("device", "bucket-1")))
        .hasSize(21);
  }

  /** Verifies that a bad bucket is answered 400 naming the field. */
  @Test
  void badBucketIs400() {
    ReplyException failure =
        catchThrowableOfType(
            ReplyException.class,
            () -> ask(new JsonObject().put("device", "bucket-1").put("bucket", "7m")));
    assertThat(failure.failureCode()).isEqualTo(400);
    assertThat(failure.getMessage()).contains("bucket").contains("1m");
  }

  private List<Object> values(JsonObject query) throws Exception {
    List<Object> values = new ArrayList<>();
    request(vertx, Addresses.STORAGE_TELEMETRY_QUERY, query)
        .forEach(r -> values.add(((JsonObject) r).getValue("value")));
    return values;
  }

  private Message<JsonArray> ask(JsonObject query) throws Exception {
    return vertx
        .eventBus()
        .<JsonArray>request(Addresses.STORAGE_TELEMETRY_QUERY, query)
        .await(10, TimeUnit.SECONDS);
  }
}
