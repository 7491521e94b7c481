package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Parameter parsing of the telemetry query, without a Vert.x instance. */
@Timeout(5)
class TelemetryQueryTest {

  /** Verifies that epoch ms and ISO-8601 instants (with offset or fraction) both parse. */
  @Test
  void instantsAsEpochOrIso() {
    assertThat(QueryParameters.instant("from", "1717000000000")).isEqualTo(1_717_000_000_000L);
    assertThat(QueryParameters.instant("from", "2024-05-29T16:26:40Z"))
        .isEqualTo(1_717_000_000_000L);
    assertThat(QueryParameters.instant("from", "2024-05-29T18:26:40.5+02:00"))
        .isEqualTo(1_717_000_000_500L);
    assertThat(QueryParameters.instant("from", "-1")).isEqualTo(-1L);
    assertThat(QueryParameters.instant("from", "")).isNull();
    assertThat(QueryParameters.instant("from", null)).isNull();
  }

  /** Verifies that a bad instant is rejected naming the parameter and the value. */
  @Test
  void badInstantNamesParameter() {
    for (String bad :
        new String[] {"yesterday", "-", "2024-05-29", "99999999999999999999", "1e3"}) {
      assertThatThrownBy(() -> QueryParameters.instant("to", bad))
          .isInstanceOf(BadParameterException.class)
          .hasMessageStartingWith("to=" + bad + ":")
          .satisfies(
              e -> {
                assertThat(((BadParameterException) e).parameter()).isEqualTo("to");
                assertThat(((BadParameterException) e).value()).isEqualTo(bad);
              });
    }
  }

  /** Verifies that limit must be an integer 1..10000. */
  @Test
  void limitRange() {
    assertThat(QueryParameters.limit("limit", "1")).isEqualTo(1);
    assertThat(QueryParameters.limit("limit", "10000")).isEqualTo(10_000);
    assertThat(QueryParameters.limit("limit", null)).isNull();
    for (String bad : new String[] {"0", "10001", "-5", "ten", "1.5"}) {
      assertThatThrownBy(() -> QueryParameters.limit("limit", bad))
          .isInstanceOf(BadParameterException.class)
          .hasMessageStartingWith("limit=" + bad);
    }
  }

  /** Verifies that from after to is rejected and equal bounds are allowed. */
  @Test
  void fromNotAfterTo() {
    assertThatThrownBy(() -> TelemetryQuery.parse("d", null, "2000", "1000", null))
        .isInstanceOf(BadParameterException.class)
        .hasMessageContaining("from=2000")
        .hasMessageContaining("to=1000");
    assertThat(TelemetryQuery.parse("d", null, "1000", "1000", null).from()).isEqualTo(1000L);
  }

  /** Verifies that the storage request leaves out absent fields and an empty metric. */
  @Test
  void requestBodyOmitsAbsentFields() {
    assertThat(TelemetryQuery.parse("press-1", "", null, null, null).toJson())
        .isEqualTo(new JsonObject().put("device", "press-1"));
    assertThat(TelemetryQuery.parse("press-1", "power", "1", "2", "3").toJson())
        .isEqualTo(
            new JsonObject()
                .put("device", "press-1")
                .put("metric", "power")
                .put("from", 1L)
                .put("to", 2L)
                .put("limit", 3));
  }
}
