package io.busbar.security.relay;

import io.vertx.core.MultiMap;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * How the broker learns the real address of a client whose MQTT over WebSocket connection the HTTP
 * port's {@code /mqtt} relays to the broker's own WebSocket listener (where every such client would
 * otherwise come from 127.0.0.1 and share one per-source connect rate and authentication guard).
 * The relay sends the client's address in {@value #FORWARDED_FOR} with this process's secret in
 * {@value #SECRET_HEADER}; the broker believes the address only when the secret matches and the
 * connection comes from a loopback address. The secret is random per process: the relay and the
 * broker run in the same node. Thread-safe.
 */
public final class RelayTrust {

  /** The WebSocket upgrade header that carries the relay's secret. */
  public static final String SECRET_HEADER = "X-Busbar-Relay";

  /** The WebSocket upgrade header that carries the client's IP address. */
  public static final String FORWARDED_FOR = "X-Forwarded-For";

  private static final String SECRET = newSecret();

  private RelayTrust() {}

  /** The secret the relay sends; never logged. */
  public static String secret() {
    return SECRET;
  }

  /**
   * The client address a trusted relay vouches for, or {@code null} when the connection is not
   * relayed, does not come from loopback, has no or a wrong secret, or names no IP address.
   *
   * @param peer the address the connection comes from
   * @param headers the WebSocket upgrade request's headers, {@code null} for plain TCP
   */
  public static String relayedAddress(String peer, MultiMap headers) {
    if (headers == null || !isLoopback(peer)) {
      return null;
    }
    String secret = headers.get(SECRET_HEADER);
    String forwarded = headers.get(FORWARDED_FOR);
    if (secret == null
        || forwarded == null
        || !MessageDigest.isEqual(
            secret.getBytes(StandardCharsets.UTF_8), SECRET.getBytes(StandardCharsets.UTF_8))) {
      return null;
    }
    String address = forwarded.trim();
    return isIpLiteral(address) ? address : null;
  }

  private static boolean isLoopback(String host) {
    return host != null && (host.startsWith("127.") || host.equals("::1") || isV6Loopback(host));
  }

  private static boolean isV6Loopback(String host) {
    return host.contains(":") && isIpLiteral(host) && parse(host).isLoopbackAddress();
  }

  /** An IPv4 or IPv6 literal (never a host name: that would be resolved). */
  private static boolean isIpLiteral(String s) {
    if (s.isEmpty() || s.length() > 45) {
      return false;
    }
    boolean v6 = s.indexOf(':') >= 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean digit = c >= '0' && c <= '9';
      boolean hex = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!(digit || c == '.' || (v6 && (hex || c == ':')))) {
        return false;
      }
    }
    // dotted IPv4 needs its four parts, or InetAddress would read "1" or "1.2" as a number
    return (v6 || s.chars().filter(c -> c == '.').count() == 3) && parse(s) != null;
  }

  private static InetAddress parse(String literal) {
    try {
      // only digits, hex and separators reach here: no name lookup happens
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  private static String newSecret() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
