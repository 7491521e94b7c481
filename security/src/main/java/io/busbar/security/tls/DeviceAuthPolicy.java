package io.busbar.security.tls;

import java.util.Locale;

/**
 * What proves a device's identity on a TLS listener ({@code mqtt.tls-device-auth}): the token, the
 * client certificate (mutual TLS), either of them, or both naming the same device.
 */
public enum DeviceAuthPolicy {
  /** The token alone; a client certificate, if shown, is not used for identity. */
  JWT,
  /** The client certificate alone; a token, if given, is ignored. */
  CERTIFICATE,
  /**
   * A token when one is given (and then a certificate, if shown, must name its {@code sub}), else
   * the client certificate.
   */
  EITHER,
  /** Both: the certificate must name the token's {@code sub}. */
  BOTH;

  /** Whether a client certificate is looked at under this policy. */
  public boolean usesCertificate() {
    return this != JWT;
  }

  /**
   * {@code jwt}, {@code certificate}, {@code either} or {@code both}, in any case.
   *
   * @throws IllegalArgumentException naming {@code key} for anything else
   */
  public static DeviceAuthPolicy parse(String key, String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "jwt", "" -> JWT;
      case "certificate" -> CERTIFICATE;
      case "either" -> EITHER;
      case "both" -> BOTH;
      default ->
          throw new IllegalArgumentException(
              key + ": expected jwt, certificate, either or both, got '" + value + "'");
    };
  }
}
