package io.busbar.security.tls;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.busbar.security.Principal;
import io.vertx.core.Future;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * How a TLS listener turns a verified client certificate into a device, and combines it with the
 * token as its {@link DeviceAuthPolicy} says. The certificate chain was already verified against
 * the listener's trust store in the handshake; this class only reads the name out of it.
 *
 * @param policy what proves identity on the listener
 * @param field which name of the certificate is the device id
 * @param tenant the tenant of devices identified by their certificate alone
 */
public record CertificateIdentity(DeviceAuthPolicy policy, Field field, String tenant) {

  /** The {@link Principal#issuer()} of principals made from a certificate. */
  public static final String ISSUER = "x509";

  /** Which name of a client certificate is the device id ({@code mqtt.tls-device-id}). */
  public enum Field {
    /** The subject's common name. */
    CN,
    /** The first DNS name of the subject alternative names (RFC 5280 §4.2.1.6). */
    SAN_DNS,
    /** The first URI of the subject alternative names. */
    SAN_URI,
    /** The first e-mail address (rfc822Name) of the subject alternative names. */
    SAN_EMAIL;

    /**
     * {@code cn}, {@code san-dns}, {@code san-uri} or {@code san-email}, in any case.
     *
     * @throws IllegalArgumentException naming {@code key} for anything else
     */
    public static Field parse(String key, String value) {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      return switch (v) {
        case "cn", "" -> CN;
        case "san-dns" -> SAN_DNS;
        case "san-uri" -> SAN_URI;
        case "san-email" -> SAN_EMAIL;
        default ->
            throw new IllegalArgumentException(
                key + ": expected cn, san-dns, san-uri or san-email, got '" + value + "'");
      };
    }

    private int sanType() {
      return switch (this) {
        case SAN_EMAIL -> 1;
        case SAN_DNS -> 2;
        case SAN_URI -> 6;
        case CN -> -1;
      };
    }
  }

  public CertificateIdentity {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(field, "field");
    tenant = tenant == null || tenant.isBlank() ? Principal.DEFAULT_TENANT : tenant;
  }

  /** Tokens only, as on a listener without mutual TLS. */
  public static CertificateIdentity tokensOnly() {
    return new CertificateIdentity(DeviceAuthPolicy.JWT, Field.CN, Principal.DEFAULT_TENANT);
  }

  /**
   * A verified client certificate as a listener uses it.
   *
   * @param device the device id it names in {@link #field()}
   * @param notAfter the end of its validity (RFC 5280 §4.1.2.5), epoch milliseconds: a connection
   *     identified by it ends then, as one identified by a token ends at the token's {@code exp}
   */
  public record Peer(String device, long notAfter) {}

  /**
   * The client certificate of {@code session} when this listener's policy uses certificates and it
   * names a device; empty without TLS, without a certificate (client auth {@code request}) or under
   * {@link DeviceAuthPolicy#JWT}.
   */
  public Optional<Peer> peer(SSLSession session) {
    if (!policy.usesCertificate() || session == null) {
      return Optional.empty();
    }
    try {
      java.security.cert.Certificate[] chain = session.getPeerCertificates();
      if (chain != null && chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
        long notAfter = leaf.getNotAfter().getTime();
        return deviceId(leaf).map(device -> new Peer(device, notAfter));
      }
      return Optional.empty();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty(); // no certificate shown
    }
  }

  /** The device id the certificate names in {@link #field()}, if any. */
  public Optional<String> deviceId(X509Certificate certificate) {
    if (field == Field.CN) {
      return TlsOptions.deviceId(certificate);
    }
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names == null) {
        return Optional.empty();
      }
      for (List<?> name : names) {
        if (name.size() >= 2
            && name.get(0) instanceof Integer type
            && type == field.sanType()
            && name.get(1) instanceof String value
            && !value.isEmpty()) {
          return Optional.of(value);
        }
      }
      return Optional.empty();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
  }

  /**
   * Decides who connects.
   *
   * @param certificateDevice the device id of the verified client certificate, or {@code null} when
   *     none was shown or it names none
   * @param token the token given, or {@code null}/empty
   * @param tokens authenticates a token (the broker's guarded, cached authenticator)
   * @return the principal; fails with {@link AuthenticationException}: {@code CERTIFICATE_REQUIRED}
   *     when the policy needs a certificate and there is none, {@code CERTIFICATE_MISMATCH} when
   *     the certificate names another device than the token's {@code sub}, or the token's own
   *     reasons
   */
  public Future<Principal> authenticate(
      String certificateDevice, String token, Function<String, Future<Principal>> tokens) {
    boolean hasToken = token != null && !token.isEmpty();
    return switch (policy) {
      case JWT -> tokens.apply(token);
      case CERTIFICATE ->
          certificateDevice == null
              ? certificateRequired()
              : Future.succeededFuture(of(certificateDevice));
      case EITHER -> {
        if (hasToken) {
          yield matching(tokens.apply(token), certificateDevice);
        }
        yield certificateDevice == null
            ? tokens.apply(token) // no token and no certificate: the token's MISSING_TOKEN
            : Future.succeededFuture(of(certificateDevice));
      }
      case BOTH ->
          certificateDevice == null
              ? certificateRequired()
              : matching(tokens.apply(token), certificateDevice);
    };
  }

  /** Whether a connection without token nor certificate may fall back to anonymous access. */
  public boolean allowsAnonymous(String certificateDevice) {
    return policy == DeviceAuthPolicy.JWT
        || (policy == DeviceAuthPolicy.EITHER && certificateDevice == null);
  }

  private Principal of(String device) {
    return new Principal(
        device, tenant, Set.of(), Long.MAX_VALUE, null, ISSUER, Set.of(), Map.of());
  }

  private static Future<Principal> matching(Future<Principal> token, String certificateDevice) {
    return token.compose(
        p ->
            certificateDevice == null || certificateDevice.equals(p.subject())
                ? Future.succeededFuture(p)
                : Future.failedFuture(
                    new AuthenticationException(
                        Reason.CERTIFICATE_MISMATCH,
                        "certificate names " + certificateDevice + ", token " + p.subject())));
  }

  private static Future<Principal> certificateRequired() {
    return Future.failedFuture(
        new AuthenticationException(
            Reason.CERTIFICATE_REQUIRED, "no client certificate naming a device"));
  }
}
