package io.busbar.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.tls.CertificateIdentity;
import io.busbar.security.tls.DeviceAuthPolicy;
import io.busbar.security.tls.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code mqtt.tls-*} and {@code http.tls-*}: engine, reload and mutual TLS settings. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TlsListenerConfigTest {

  /** Verifies the defaults: auto engine, 10 s reload, no client certificates, tokens only. */
  @Test
  void defaults() {
    var mqtt = BusbarConfig.from(ConfigValues.defaults()).mqttSecurity();
    assertThat(mqtt.tlsEngine()).isEqualTo(TlsConfig.Engine.AUTO);
    assertThat(mqtt.tlsReloadInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(mqtt.tlsClientAuth()).isEqualTo(TlsConfig.ClientAuthMode.NONE);
    assertThat(mqtt.tlsIdentity().policy()).isEqualTo(DeviceAuthPolicy.JWT);
  }

  /** Verifies that mutual TLS settings are read into the listener's identity policy. */
  @Test
  void mutualTlsSettings() {
    var mqtt =
        BusbarConfig.from(
                ConfigValues.defaults()
                    .with(
                        Map.of(
                            "mqtt.tls-engine", "openssl",
                            "mqtt.tls-client-auth", "required",
                            "mqtt.tls-trust", "/etc/busbar/ca.pem",
                            "mqtt.tls-device-auth", "both",
                            "mqtt.tls-device-id", "san-dns",
                            "mqtt.tls-device-tenant", "plant-1"),
                        "test"))
            .mqttSecurity();
    assertThat(mqtt.tlsEngine()).isEqualTo(TlsConfig.Engine.OPENSSL);
    assertThat(mqtt.tlsTrust()).isEqualTo(Path.of("/etc/busbar/ca.pem"));
    assertThat(mqtt.tlsIdentity())
        .isEqualTo(
            new CertificateIdentity(
                DeviceAuthPolicy.BOTH, CertificateIdentity.Field.SAN_DNS, "plant-1"));
  }

  /**
   * Verifies that the HTTPS listener's mutual TLS settings are read into its client auth, trust and
   * device identity policy, and that a certificate policy without client certificates is refused.
   */
  @Test
  void httpMutualTlsSettings() {
    Map<String, String> https =
        Map.of(
            "http.tls-port", "8443",
            "http.tls-cert", "c.pem",
            "http.tls-key", "k.pem",
            "http.tls-client-auth", "request",
            "http.tls-trust", "/etc/busbar/ca.pem",
            "http.tls-device-auth", "either",
            "http.tls-device-id", "san-uri",
            "http.tls-device-tenant", "plant-2");
    var http = BusbarConfig.from(ConfigValues.defaults().with(https, "test")).http();
    assertThat(http.tls().clientAuth()).isEqualTo(TlsConfig.ClientAuthMode.REQUEST);
    assertThat(http.tls().trustPath()).isEqualTo("/etc/busbar/ca.pem");
    assertThat(http.tlsIdentity())
        .isEqualTo(
            new CertificateIdentity(
                DeviceAuthPolicy.EITHER, CertificateIdentity.Field.SAN_URI, "plant-2"));
    assertThat(BusbarConfig.from(ConfigValues.defaults()).http().tlsIdentity().policy())
        .isEqualTo(DeviceAuthPolicy.JWT);

    Map<String, String> noClientAuth = new java.util.HashMap<>(https);
    noClientAuth.put("http.tls-client-auth", "none");
    assertThatThrownBy(() -> BusbarConfig.from(ConfigValues.defaults().with(noClientAuth, "test")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.tls-client-auth");
    Map<String, String> badPolicy = new java.util.HashMap<>(https);
    badPolicy.put("http.tls-device-auth", "mtls");
    assertThatThrownBy(() -> BusbarConfig.from(ConfigValues.defaults().with(badPolicy, "test")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.tls-device-auth");
  }

  /** Verifies that bad values are config errors naming their key. */
  @Test
  void badValuesNameTheKey() {
    for (var bad :
        Map.of(
                "mqtt.tls-engine", "boringssl",
                "mqtt.tls-client-auth", "maybe",
                "mqtt.tls-device-auth", "mtls",
                "mqtt.tls-device-id", "ou",
                "http.tls-engine", "x")
            .entrySet()) {
      Map<String, String> values =
          bad.getKey().startsWith("http")
              ? Map.of(
                  bad.getKey(),
                  bad.getValue(),
                  "http.tls-port",
                  "8443",
                  "http.tls-cert",
                  "c.pem",
                  "http.tls-key",
                  "k.pem")
              : Map.of(bad.getKey(), bad.getValue());
      assertThatThrownBy(() -> BusbarConfig.from(ConfigValues.defaults().with(values, "test")))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(bad.getKey());
    }
    assertThatThrownBy(
            () ->
                BusbarConfig.from(
                    ConfigValues.defaults()
                        .with(Map.of("mqtt.tls-device-auth", "certificate"), "test")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("mqtt.tls-client-auth");
  }
}
