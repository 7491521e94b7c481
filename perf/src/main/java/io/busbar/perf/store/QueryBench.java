package io.busbar.perf.store;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;

/**
 * Times REST telemetry queries against a running node, one after the other (no concurrency): each
 * shape is run a few times unrecorded, then {@code repetitions} times into a histogram of
 * microseconds, rotating over the devices so no answer is served from a warm single spot.
 */
public final class QueryBench {

  /** One query shape: a name and the path-and-query for device number {@code n}. */
  public record Shape(String name, String description, LongFunction<String> path) {}

  /** What one shape measured; {@code rows} is the size of the last answer. */
  public record Result(
      Shape shape, Histogram micros, int rows, int failures, String firstFailure) {}

  private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(2);

  private QueryBench() {}

  /** The shapes the issue asks for, over a store of {@code layout}. */
  public static List<Shape> standardShapes(PointsLoader.Layout layout) {
    long end = layout.endMs();
    long day = 86_400_000L;
    int devices = layout.devices();
    String base = "/api/v1/devices/dev-%d/telemetry?";
    List<Shape> shapes = new ArrayList<>();
    shapes.add(
        new Shape(
            "day-1m-avg",
            "one metric, last day, bucket=1m&agg=avg (1440 buckets)",
            n ->
                base.formatted(n % devices)
                    + "metric=m0&bucket=1m&agg=avg&limit=1440&from="
                    + (end - day)
                    + "&to="
                    + end));
    shapes.add(
        new Shape(
            "day-1m-avg-all-metrics",
            "every metric, last day, bucket=1m&agg=avg, first page of 10000 buckets",
            n ->
                base.formatted(n % devices)
                    + "bucket=1m&agg=avg&limit=10000&from="
                    + (end - day)
                    + "&to="
                    + end));
    shapes.add(
        new Shape(
            "latest",
            "latest=true, every metric, whole history",
            n -> base.formatted(n % devices) + "latest=true"));
    shapes.add(
        new Shape(
            "raw-1000",
            "one metric, raw page of 1000 (latest of the last day)",
            n ->
                base.formatted(n % devices)
                    + "metric=m0&limit=1000&from="
                    + (end - day)
                    + "&to="
                    + end));
    shapes.add(
        new Shape(
            "week-1h-avg",
            "one metric, last 7 days, bucket=1h&agg=avg (168 buckets)",
            n ->
                base.formatted(n % devices)
                    + "metric=m0&bucket=1h&agg=avg&limit=168&from="
                    + (end - 7 * day)
                    + "&to="
                    + end));
    return shapes;
  }

  public static List<Result> run(NodeHttp node, List<Shape> shapes, int warmup, int repetitions)
      throws Exception {
    List<Result> results = new ArrayList<>();
    for (Shape shape : shapes) {
      Histogram micros = new Histogram(MAX_MICROS, 3);
      int rows = 0;
      int failures = 0;
      String firstFailure = null;
      for (int i = 0; i < warmup + repetitions; i++) {
        String path = shape.path().apply(i);
        long start = System.nanoTime();
        NodeHttp.Response response = node.get(path);
        long took = (System.nanoTime() - start) / 1000;
        if (response.status() != 200) {
          failures++;
          if (firstFailure == null) {
            firstFailure =
                response.status()
                    + " "
                    + response.body().substring(0, Math.min(300, response.body().length()));
          }
          continue;
        }
        rows = rows(response.body());
        if (i >= warmup) {
          micros.recordValue(Math.min(took, MAX_MICROS));
        }
      }
      results.add(new Result(shape, micros, rows, failures, firstFailure));
    }
    return results;
  }

  /** Rows of an answer: a JSON array, or the array under {@code rows}/{@code data}. */
  static int rows(String body) {
    Object value = Json.decodeValue(body);
    if (value instanceof JsonArray array) {
      return array.size();
    }
    if (value instanceof JsonObject object) {
      for (String key : new String[] {"rows", "data", "readings", "buckets"}) {
        if (object.getValue(key) instanceof JsonArray array) {
          return array.size();
        }
      }
    }
    return -1;
  }
}
