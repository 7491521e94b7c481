package io.busbar.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(5)
class DurationsTest {

  /** Verifies that the short forms and ISO-8601 parse to the right duration. */
  @ParameterizedTest
  @CsvSource({
    "45s, PT45S",
    "30m, PT30M",
    "1h, PT1H",
    "7d, PT168H",
    "500ms, PT0.5S",
    "' 2H ', PT2H",
    "PT1H, PT1H",
    "pt90m, PT1H30M",
    "P1D, PT24H",
    "PT0.5S, PT0.5S"
  })
  void parsesShortAndIsoForms(String text, String expected) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
  }

  /** Verifies that bad input fails with a message naming the value. */
  @ParameterizedTest
  @ValueSource(strings = {"1", "h", "1y", "1.5h", "-1h", "1 hour", "PT", "P1H", "10x"})
  void badValueIsNamed(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }

  /** Verifies that zero and negative durations are refused. */
  @ParameterizedTest
  @ValueSource(strings = {"0s", "0d", "PT0S", "PT-1H", "-PT1H"})
  void zeroOrNegativeIsRefused(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text);
  }

  /** Verifies that null and blank input are refused with a hint of the accepted forms. */
  @Test
  void emptyIsRefused() {
    assertThatThrownBy(() -> Durations.parse(null)).hasMessageContaining("1h");
    assertThatThrownBy(() -> Durations.parse("  ")).hasMessageContaining("1h");
  }
}
