package io.busbar.codecs.sparkplug;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.sparkplug.SparkplugTopic.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class SparkplugTopicTest {

  /** Verifies §4.1: node and device topics parse into their elements and Busbar ids. */
  @Test
  void parsesNodeAndDeviceTopics() {
    SparkplugTopic nbirth = SparkplugTopic.parse("spBv1.0/plant1/NBIRTH/edge7").orElseThrow();
    assertThat(nbirth.type()).isEqualTo(MessageType.NBIRTH);
    assertThat(nbirth.busbarId()).isEqualTo("plant1:edge7");
    SparkplugTopic ddata = SparkplugTopic.parse("spBv1.0/plant1/DDATA/edge7/press3").orElseThrow();
    assertThat(ddata.device()).isEqualTo("press3");
    assertThat(ddata.busbarId()).isEqualTo("plant1:edge7:press3");
    assertThat(ddata.edgeNodeId()).isEqualTo("plant1:edge7");
    assertThat(ddata.topic()).isEqualTo("spBv1.0/plant1/DDATA/edge7/press3");
  }

  /** Verifies §4.1.3: the host STATE topic, and the command topics the host publishes. */
  @Test
  void parsesStateAndBuildsCommandTopics() {
    SparkplugTopic state = SparkplugTopic.parse("spBv1.0/STATE/busbar").orElseThrow();
    assertThat(state.hostId()).isEqualTo("busbar");
    assertThat(SparkplugTopic.state("h1").topic()).isEqualTo("spBv1.0/STATE/h1");
    assertThat(SparkplugTopic.ncmd("g", "e").topic()).isEqualTo("spBv1.0/g/NCMD/e");
    assertThat(SparkplugTopic.dcmd("g", "e", "d").topic()).isEqualTo("spBv1.0/g/DCMD/e/d");
  }

  /** Verifies that malformed topics are refused with the reason. */
  @Test
  void refusesMalformedTopics() {
    assertThat(SparkplugTopic.problem("spAv1.0/g/NDATA/e")).contains("namespace");
    assertThat(SparkplugTopic.problem("spBv1.0/g/NDATA")).contains("levels");
    assertThat(SparkplugTopic.problem("spBv1.0/g/NDATA/e/d")).contains("NDATA topics have 4");
    assertThat(SparkplugTopic.problem("spBv1.0/g/DDATA/e")).contains("DDATA topics have 5");
    assertThat(SparkplugTopic.problem("spBv1.0/g/XDATA/e"))
        .contains("unknown Sparkplug message type 'XDATA'");
    assertThat(SparkplugTopic.problem("spBv1.0//NDATA/e")).contains("group_id is empty");
    assertThat(SparkplugTopic.problem("spBv1.0/g/DDATA/e/")).contains("device_id is empty");
    assertThat(SparkplugTopic.problem("spBv1.0/g/STATE/e")).contains("STATE belongs at");
    assertThat(SparkplugTopic.problem("spBv1.0/g/NDATA/e")).isNull();
    assertThat(SparkplugTopic.parse("devices/d1/telemetry")).isEmpty();
  }
}
