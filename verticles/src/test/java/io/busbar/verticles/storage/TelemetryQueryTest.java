package io.busbar.verticles.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The query model without a database: parsing, defaults, bucket alignment, cursors. */
@Timeout(5)
class TelemetryQueryTest {

  /** Verifies that a bucket defaults agg to avg and widens the window to whole buckets. */
  @Test
  void bucketDefaultsToAvgAndWholeBuckets() {
    TelemetryQuery query =
        TelemetryQuery.fromJson(
            new JsonObject()
                .put("device", "d")
                .put("bucket", "1m")
                .put("from", 1_717_000_030_000L)
                .put("to", "1717000090001"));

    assertThat(query.bucket()).isEqualTo(Bucket.M1);
    assertThat(query.agg()).isEqualTo(Aggregate.AVG);
    assertThat(query.from()).isEqualTo(1_717_000_020_000L);
    assertThat(query.to()).isEqualTo(1_717_000_140_000L);
  }

  /** Verifies that hour and day buckets start on the hour and at midnight UTC, also before 2000. */
  @Test
  void bucketsAlignToHoursAndDays() {
    long midnight = 1_717_027_200_000L; // 2024-05-30T00:00Z
    assertThat(Bucket.D1.floor(midnight + 5)).isEqualTo(midnight);
    assertThat(Bucket.H1.floor(midnight - 1)).isEqualTo(midnight - 3_600_000L);
    assertThat(Bucket.D1.floor(-1)).isEqualTo(-86_400_000L);
    assertThat(Bucket.M5.ceil(midnight + 1)).isEqualTo(midnight + 300_000L);
    assertThat(Bucket.M5.ceil(midnight)).isEqualTo(midnight);
  }

  /** Verifies that a cursor survives its token form, metric names with colons included. */
  @Test
  void cursorRoundTrips() {
    PageCursor cursor = new PageCursor(-5, "line:1/temp'");
    assertThat(PageCursor.decode(cursor.encode())).isEqualTo(cursor);
  }

  /** Verifies that bad values are refused naming the field. */
  @Test
  void rejectsBadCombinationsNamingTheField() {
    JsonObject base = new JsonObject().put("device", "d");
    assertBad(base.copy().put("bucket", "2m"), "bucket");
    assertBad(base.copy().put("bucket", "1m").put("agg", "median"), "agg");
    assertBad(base.copy().put("agg", "max"), "agg");
    assertBad(base.copy().put("latest", "yes"), "latest");
    assertBad(base.copy().put("latest", true).put("bucket", "1h"), "latest");
    assertBad(base.copy().put("cursor", "not a cursor!"), "cursor");
    assertBad(
        base.copy().put("cursor", new PageCursor(1, "m").encode()).put("latest", true), "cursor");
  }

  private static void assertBad(JsonObject request, String field) {
    assertThatThrownBy(() -> TelemetryQuery.fromJson(request))
        .as("%s", request)
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field))
        .hasMessageContaining(field);
  }
}
