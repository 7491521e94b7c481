package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class KafkaSinkFailuresTest {

  /**
   * Verifies that only errors about the record itself drop it; outages and broker-side problems
   * send it back to the spool.
   */
  @Test
  void onlyRecordErrorsArePermanent() {
    assertThat(KafkaSinkVerticle.isPermanent(new RecordTooLargeException("big"))).isTrue();
    assertThat(KafkaSinkVerticle.isPermanent(new SerializationException("bad"))).isTrue();
    assertThat(KafkaSinkVerticle.isPermanent(new TimeoutException("expired"))).isFalse();
    assertThat(KafkaSinkVerticle.isPermanent(new NetworkException("gone"))).isFalse();
    assertThat(KafkaSinkVerticle.isPermanent(new NotLeaderOrFollowerException("moved"))).isFalse();
    // a configuration fix lets these through: keep them
    assertThat(KafkaSinkVerticle.isPermanent(new TopicAuthorizationException("acl"))).isFalse();
  }
}
