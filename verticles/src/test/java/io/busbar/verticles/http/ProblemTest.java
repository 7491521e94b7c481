package io.busbar.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The mapping of event-bus failures to RFC 7807 problems, without a Vert.x instance. */
@Timeout(5)
class ProblemTest {

  /** Verifies that a bus timeout and a missing consumer are both 503. */
  @Test
  void noAnswerIs503() {
    assertThat(Problem.fromBusFailure("a", new ReplyException(ReplyFailure.TIMEOUT, "t")).status())
        .isEqualTo(503);
    Problem none = Problem.fromBusFailure("a", new ReplyException(ReplyFailure.NO_HANDLERS, "n"));
    assertThat(none.status()).isEqualTo(503);
    assertThat(none.detail()).contains("a");
  }

  /** Verifies that a backend's HTTP-range failure code passes through with its message. */
  @Test
  void backendCodePassesThrough() {
    Problem p =
        Problem.fromBusFailure(
            "a", new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 422, "bad metric"));
    assertThat(p.status()).isEqualTo(422);
    assertThat(p.detail()).isEqualTo("bad metric");
  }

  /** Verifies that a failure code outside 400..599, or a non-bus failure, is 502. */
  @Test
  void otherFailuresAre502() {
    assertThat(
            Problem.fromBusFailure(
                    "a", new ReplyException(ReplyFailure.RECIPIENT_FAILURE, -1, "boom"))
                .status())
        .isEqualTo(502);
    assertThat(Problem.fromBusFailure("a", new IllegalStateException("x")).status()).isEqualTo(502);
  }

  /** Verifies the RFC 7807 §3.1 members of the JSON body. */
  @Test
  void jsonMembers() {
    JsonObject json = Problem.notFound("/api/x").toJson("/api/x");
    assertThat(json.fieldNames())
        .containsExactlyInAnyOrder("type", "title", "status", "detail", "instance");
    assertThat(json.getInteger("status")).isEqualTo(404);
  }
}
