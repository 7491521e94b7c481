package io.busbar.verticles.mqtt.topic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class TopicNamesTest {

  /**
   * Verifies that ordinary topic names, including empty levels and '$' names, are valid (§4.7.3).
   */
  @ParameterizedTest
  @ValueSource(strings = {"a", "/", "a/b/c", "/a", "a//b", "$SYS/broker", "ünï/cødé", "a b"})
  void acceptsValidNames(String name) {
    assertThat(TopicNames.checkName(name)).isEmpty();
  }

  /**
   * Verifies that names with wildcards, NUL, no characters, lone surrogates or U+FFFD (what the
   * decoder makes of ill-formed UTF-8) are refused.
   */
  @ParameterizedTest
  @ValueSource(strings = {"", "a/+", "#", "a/#", "a+b", "a\u0000b", "bad\uD800", "bad\uFFFD"})
  void refusesInvalidNames(String name) {
    assertThat(TopicNames.checkName(name)).isPresent();
  }

  /** Verifies that names longer than 65,535 UTF-8 bytes are refused. */
  @Test
  void refusesOverlongName() {
    assertThat(TopicNames.checkName("a".repeat(65_535))).isEmpty();
    assertThat(TopicNames.checkName("a".repeat(65_536))).isPresent();
    assertThat(TopicNames.checkName("é".repeat(32_768))).isPresent();
  }

  /** Verifies that wildcards filling whole levels, '#' last, are valid filters (§4.7.1). */
  @ParameterizedTest
  @ValueSource(
      strings = {"#", "+", "a/#", "+/+", "/+", "a/+/c", "+/#", "$share/g/a/#", "$share/g/+"})
  void acceptsValidFilters(String filter) {
    assertThat(TopicNames.checkFilter(filter)).isEmpty();
  }

  /** Verifies that misplaced wildcards and malformed shared filters are refused. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "a#",
        "a/#/b",
        "#/a",
        "a+",
        "a/b+/c",
        "+a",
        "$share/g",
        "$share//a",
        "$share/g/",
        "$share/g+/a",
        "a\u0000"
      })
  void refusesInvalidFilters(String filter) {
    assertThat(TopicNames.checkFilter(filter)).isPresent();
  }

  /** Verifies the matching examples of MQTT 3.1.1 §4.7.1.2, §4.7.1.3 and §4.7.2. */
  @Test
  void matchesSpecExamples() {
    assertThat(TopicNames.matches("sport/tennis/player1/#", "sport/tennis/player1")).isTrue();
    assertThat(TopicNames.matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"))
        .isTrue();
    assertThat(TopicNames.matches("sport/#", "sport")).isTrue();
    assertThat(TopicNames.matches("sport/tennis/+", "sport/tennis/player1")).isTrue();
    assertThat(TopicNames.matches("sport/tennis/+", "sport/tennis/player1/ranking")).isFalse();
    assertThat(TopicNames.matches("sport/+", "sport")).isFalse();
    assertThat(TopicNames.matches("sport/+", "sport/")).isTrue();
    assertThat(TopicNames.matches("+/+", "/finance")).isTrue();
    assertThat(TopicNames.matches("/+", "/finance")).isTrue();
    assertThat(TopicNames.matches("+", "/finance")).isFalse();
    assertThat(TopicNames.matches("#", "$SYS/x")).isFalse();
    assertThat(TopicNames.matches("+/monitor/Clients", "$SYS/monitor/Clients")).isFalse();
    assertThat(TopicNames.matches("$SYS/#", "$SYS/monitor/Clients")).isTrue();
    assertThat(TopicNames.matches("$SYS/monitor/+", "$SYS/monitor/Clients")).isTrue();
  }

  /** Verifies that the share group and inner filter are split out of a shared filter. */
  @Test
  void splitsSharedFilter() {
    assertThat(TopicNames.isShared("$share/g1/a/+")).isTrue();
    assertThat(TopicNames.shareGroup("$share/g1/a/+")).isEqualTo("g1");
    assertThat(TopicNames.innerFilter("$share/g1/a/+")).isEqualTo("a/+");
    assertThat(TopicNames.innerFilter("a/+")).isEqualTo("a/+");
  }
}
