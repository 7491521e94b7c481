package io.busbar.security.revocation;

import io.busbar.security.Principal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The deny list: token ids ({@code jti}) and devices that must no longer get in, and must be thrown
 * out if they are connected. The authenticator refuses revoked principals ({@code REVOKED}); the
 * broker and the HTTP side register a {@link #addListener listener} and close the live connections
 * a new entry {@link Revocation#matches matches}, which makes a revocation effective within a
 * second.
 *
 * <p>Thread-safe: concurrent maps, listeners called on the thread that revokes (they must only hand
 * work to the right event loop, never block). Token entries are forgotten after the token's own
 * expiry. One list per node; across a cluster, publish each {@link Revocation#toJson} and {@link
 * #apply} it on every node.
 */
public final class RevocationList {

  /** Sweep expired token entries after this many additions. */
  private static final int SWEEP_EVERY = 1024;

  private final Clock clock;
  private final Map<String, Revocation> tokens = new ConcurrentHashMap<>();
  private final Map<String, Revocation> devices = new ConcurrentHashMap<>();
  private final List<Consumer<Revocation>> listeners = new CopyOnWriteArrayList<>();
  private int additions; // approximate; races only shift the next sweep

  public RevocationList() {
    this(Clock.systemUTC());
  }

  public RevocationList(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Revokes the token with {@code jti} until {@code expiresAtMillis} (its {@code exp}; use {@code
   * Long.MAX_VALUE} when unknown).
   */
  public void revokeToken(String jti, long expiresAtMillis) {
    apply(new Revocation(Revocation.Kind.TOKEN, null, jti, expiresAtMillis));
  }

  /** Revokes every token of device {@code deviceId} of {@code tenant}, until reinstated. */
  public void revokeDevice(String tenant, String deviceId) {
    apply(new Revocation(Revocation.Kind.DEVICE, tenant, deviceId, Long.MAX_VALUE));
  }

  /** Lets the device in again; {@code true} when it was revoked. */
  public boolean reinstateDevice(String tenant, String deviceId) {
    return devices.remove(deviceKey(tenant, deviceId)) != null;
  }

  /** Adds {@code revocation} (from this node or another) and tells the listeners. */
  public void apply(Revocation revocation) {
    switch (revocation.kind()) {
      case TOKEN -> tokens.put(revocation.value(), revocation);
      case DEVICE -> devices.put(deviceKey(revocation.tenant(), revocation.value()), revocation);
    }
    if (++additions % SWEEP_EVERY == 0) {
      sweep();
    }
    for (Consumer<Revocation> listener : listeners) {
      listener.accept(revocation);
    }
  }

  /** Whether {@code principal}'s token or device is revoked. */
  public boolean isRevoked(Principal principal) {
    if (!devices.isEmpty()
        && devices.containsKey(deviceKey(principal.tenant(), principal.subject()))) {
      return true;
    }
    if (principal.tokenId() == null) {
      return false;
    }
    Revocation token = tokens.get(principal.tokenId());
    return token != null && token.untilEpochMillis() > clock.millis() - 60_000;
  }

  /**
   * Calls {@code listener} with every revocation applied from now on.
   *
   * @return a handle that removes the listener
   */
  public Runnable addListener(Consumer<Revocation> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return () -> listeners.remove(listener);
  }

  /** Every current entry (for a new cluster member, or the REST API). */
  public List<Revocation> snapshot() {
    sweep();
    List<Revocation> all = new ArrayList<>(devices.values());
    all.addAll(tokens.values());
    return all;
  }

  /** Forgets token entries whose token has expired (with a minute of margin for clock skew). */
  private void sweep() {
    long cutoff = clock.millis() - 60_000;
    tokens.values().removeIf(r -> r.untilEpochMillis() < cutoff);
  }

  private static String deviceKey(String tenant, String deviceId) {
    return tenant + '\u0000' + deviceId;
  }
}
