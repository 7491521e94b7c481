package io.busbar.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(20)
class TokenSignerTest {

  private static final String ISS = "busbar-bench";

  /**
   * Verifies that a token signed from a PKCS#8 PEM of each algorithm is accepted by an issuer with
   * the public key.
   */
  @ParameterizedTest
  @EnumSource(JwsAlgorithm.class)
  void tokensOfEveryAlgorithmVerifyWithThePublicKey(JwsAlgorithm alg) throws Exception {
    TestKeys keys = TestKeys.generate(alg, "k1");
    TokenSigner signer = TokenSigner.fromPem(ISS, alg, privatePem(keys), "k1");
    IssuerConfig config =
        IssuerConfig.builder(ISS)
            .algorithms(Set.of(alg))
            .staticKeys(List.of(JsonWebKeys.parsePem(keys.publicPem(), "k1")))
            .build();
    MultiIssuerAuthenticator authenticator =
        new MultiIssuerAuthenticator(
            Map.of(config, new StaticKeySource(config.staticKeys())), null, Clock.systemUTC());

    String first =
        signer.mint(new TokenRequest("dev-1", "plant", Set.of("app"), Duration.ofHours(1)));
    String second =
        signer.mint(new TokenRequest("dev-1", "plant", Set.of("app"), Duration.ofHours(1)));

    Principal principal =
        authenticator.authenticate(first).toCompletionStage().toCompletableFuture().get();
    assertThat(principal.subject()).isEqualTo("dev-1");
    assertThat(principal.tenant()).isEqualTo("plant");
    assertThat(principal.roles()).containsExactly("app");
    assertThat(second).as("a fresh jti per token").isNotEqualTo(first);
  }

  /**
   * Verifies that a key of the wrong type or a PEM that is no private key is refused with a clear
   * message.
   */
  @Test
  void wrongKeyTypeOrPemIsRefused() {
    TestKeys rsa = TestKeys.generate(JwsAlgorithm.RS256, "r");
    assertThatThrownBy(() -> TokenSigner.fromPem(ISS, JwsAlgorithm.ES256, privatePem(rsa), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ES256");
    assertThatThrownBy(() -> TokenSigner.fromPem(ISS, JwsAlgorithm.RS256, rsa.publicPem(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PKCS#8");
  }

  private static String privatePem(TestKeys keys) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(keys.pair.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }
}
