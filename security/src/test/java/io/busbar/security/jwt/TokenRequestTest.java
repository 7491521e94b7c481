package io.busbar.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(5)
class TokenRequestTest {

  /** Verifies that defaults fill in the tenant and the roles. */
  @Test
  void defaultsTenantAndRoles() {
    TokenRequest request = new TokenRequest("d1", null, null, Duration.ofHours(1));

    assertThat(request.tenant()).isEqualTo("default");
    assertThat(request.roles()).isEmpty();
    assertThat(TokenRequest.application("mes", "acme", Duration.ofHours(1)).roles())
        .containsExactly("app");
  }

  /** Verifies that subjects unusable as a topic level are refused with the value named. */
  @ParameterizedTest
  @ValueSource(strings = {"", " ", "+", "#", "a/b"})
  void badSubjectIsRefused(String subject) {
    assertThatThrownBy(() -> TokenRequest.device(subject, null, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + subject + "'");
  }

  /** Verifies that a TTL under a second or over the maximum is refused. */
  @Test
  void ttlOutOfRangeIsRefused() {
    assertThatThrownBy(() -> TokenRequest.device("d1", null, Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT0.5S");
    assertThatThrownBy(() -> TokenRequest.device("d1", null, Duration.ofDays(400)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TokenRequest.device("d1", "", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new TokenRequest("d1", "t", Set.of(), TokenRequest.MAX_TTL).ttl())
        .isEqualTo(TokenRequest.MAX_TTL);
  }
}
