package io.busbar.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code http.tls-*}: HTTPS beside plain HTTP. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HttpListenerConfigTest {

  /** Verifies that HTTPS is off by default. */
  @Test
  void tlsOffByDefault() {
    BusbarConfig config = BusbarConfig.from(ConfigValues.defaults());
    assertThat(config.http().tlsPort()).isEqualTo(-1);
    assertThat(config.http().tls()).isNull();
  }

  /** Verifies that a TLS port takes the certificate and key, TLS 1.2/1.3 only. */
  @Test
  void tlsPortTakesCertificateAndKey() {
    BusbarConfig config =
        BusbarConfig.from(
            ConfigValues.defaults()
                .with(
                    Map.of(
                        "http.tls-port", "8443",
                        "http.tls-cert", "/etc/busbar/http.pem",
                        "http.tls-key", "/etc/busbar/http.key"),
                    "test"));
    assertThat(config.http().tlsPort()).isEqualTo(8443);
    assertThat(config.http().tls().certPath()).isEqualTo("/etc/busbar/http.pem");
    assertThat(config.http().tls().protocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
  }

  /** Verifies that a TLS port without a certificate is a config error naming the keys. */
  @Test
  void tlsPortWithoutCertificateIsRefused() {
    assertThatThrownBy(
            () ->
                BusbarConfig.from(
                    ConfigValues.defaults().with(Map.of("http.tls-port", "8443"), "test")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.tls-cert");
  }
}
