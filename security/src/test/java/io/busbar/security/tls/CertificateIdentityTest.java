package io.busbar.security.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.vertx.core.Future;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The identity decision of a TLS listener per policy, with a stand-in for the token check. */
@Timeout(10)
class CertificateIdentityTest {

  private final AtomicInteger tokenChecks = new AtomicInteger();

  /** Accepts a token "t:{sub}"; refuses a missing one as the real authenticators do. */
  private final Function<String, Future<Principal>> tokens =
      token -> {
        tokenChecks.incrementAndGet();
        if (token == null || token.isEmpty()) {
          return Future.failedFuture(new AuthenticationException(Reason.MISSING_TOKEN, "none"));
        }
        return Future.succeededFuture(
            new Principal(token.substring(2), "acme", Set.of(), Long.MAX_VALUE, null));
      };

  private static CertificateIdentity policy(DeviceAuthPolicy policy) {
    return new CertificateIdentity(policy, CertificateIdentity.Field.CN, "plant-1");
  }

  /** Verifies that jwt ignores the certificate and checks the token. */
  @Test
  void jwtUsesTheTokenOnly() {
    Principal p = ok(policy(DeviceAuthPolicy.JWT).authenticate("press-1", "t:press-2", tokens));
    assertThat(p.subject()).isEqualTo("press-2");
    refused(
        policy(DeviceAuthPolicy.JWT).authenticate("press-1", null, tokens), Reason.MISSING_TOKEN);
  }

  /** Verifies that certificate takes the device from the certificate, in the listener's tenant. */
  @Test
  void certificateAlone() {
    Principal p = ok(policy(DeviceAuthPolicy.CERTIFICATE).authenticate("press-1", "junk", tokens));
    assertThat(p.subject()).isEqualTo("press-1");
    assertThat(p.tenant()).isEqualTo("plant-1");
    assertThat(p.issuer()).isEqualTo(CertificateIdentity.ISSUER);
    assertThat(tokenChecks).hasValue(0);
    refused(
        policy(DeviceAuthPolicy.CERTIFICATE).authenticate(null, "t:press-1", tokens),
        Reason.CERTIFICATE_REQUIRED);
  }

  /** Verifies that either prefers a given token (which must match a shown certificate). */
  @Test
  void eitherTokenOrCertificate() {
    CertificateIdentity either = policy(DeviceAuthPolicy.EITHER);
    assertThat(ok(either.authenticate(null, "t:press-2", tokens)).subject()).isEqualTo("press-2");
    assertThat(ok(either.authenticate("press-1", null, tokens)).subject()).isEqualTo("press-1");
    assertThat(ok(either.authenticate("press-1", "t:press-1", tokens)).tenant()).isEqualTo("acme");
    refused(either.authenticate("press-1", "t:press-2", tokens), Reason.CERTIFICATE_MISMATCH);
    refused(either.authenticate(null, null, tokens), Reason.MISSING_TOKEN);
    assertThat(either.allowsAnonymous(null)).isTrue();
    assertThat(either.allowsAnonymous("press-1")).isFalse();
  }

  /** Verifies that both needs a certificate and a token of the same device. */
  @Test
  void bothNeedsMatchingCertificateAndToken() {
    CertificateIdentity both = policy(DeviceAuthPolicy.BOTH);
    assertThat(ok(both.authenticate("press-1", "t:press-1", tokens)).subject())
        .isEqualTo("press-1");
    refused(both.authenticate("press-1", "t:press-2", tokens), Reason.CERTIFICATE_MISMATCH);
    refused(both.authenticate(null, "t:press-1", tokens), Reason.CERTIFICATE_REQUIRED);
    refused(both.authenticate("press-1", null, tokens), Reason.MISSING_TOKEN);
    assertThat(both.allowsAnonymous(null)).isFalse();
  }

  /** Verifies that bad config values are refused naming the key. */
  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> DeviceAuthPolicy.parse("mqtt.tls-device-auth", "mtls"))
        .hasMessageContaining("mqtt.tls-device-auth");
    assertThatThrownBy(() -> CertificateIdentity.Field.parse("mqtt.tls-device-id", "ou"))
        .hasMessageContaining("mqtt.tls-device-id");
    assertThat(CertificateIdentity.Field.parse("k", "SAN-DNS"))
        .isEqualTo(CertificateIdentity.Field.SAN_DNS);
    assertThat(DeviceAuthPolicy.parse("k", "Both")).isEqualTo(DeviceAuthPolicy.BOTH);
  }

  private static Principal ok(Future<Principal> f) {
    assertThat(f.succeeded()).as(() -> String.valueOf(f.cause())).isTrue();
    return f.result();
  }

  private static void refused(Future<Principal> f, Reason reason) {
    assertThat(f.failed()).isTrue();
    assertThat(f.cause())
        .isInstanceOfSatisfying(
            AuthenticationException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
