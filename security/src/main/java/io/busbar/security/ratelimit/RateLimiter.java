package io.busbar.security.ratelimit;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-device message and byte rates and per-source-address connect rates, as token buckets. The
 * broker asks before it accepts a CONNECT ({@link #tryConnect}) and for each PUBLISH ({@link
 * #tryPublish}); a refusal becomes MQTT 5.0 reason code 0x9F "Connection rate exceeded" on CONNECT
 * and 0x97 "Quota exceeded" on PUBLISH (MQTT 5.0 §3.2.2.2, §3.4.2.1); for 3.1.1 the PUBLISH is
 * dropped and counted.
 *
 * <p>Thread-safe; every call is O(1) and non-blocking, fit for an event loop.
 */
public final class RateLimiter {

  /** Why a publish was refused. */
  public enum Verdict {
    /** Within both limits: go ahead. */
    ALLOWED,
    /** Over the messages/s limit. */
    TOO_MANY_MESSAGES,
    /** Over the bytes/s limit. */
    TOO_MANY_BYTES
  }

  private static final String OVERFLOW_KEY = "\u0000overflow";

  private final RateLimitConfig config;
  private final LongSupplier nanoTime;
  private final Map<String, TokenBucket[]> devices = new ConcurrentHashMap<>();
  private final Map<String, TokenBucket> sources = new ConcurrentHashMap<>();

  public RateLimiter(RateLimitConfig config) {
    this(config, System::nanoTime);
  }

  /** With the clock given (deterministic tests). */
  public RateLimiter(RateLimitConfig config, LongSupplier nanoTime) {
    this.config = Objects.requireNonNull(config, "config");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * Counts one PUBLISH of {@code payloadBytes} from device {@code deviceId} of {@code tenant}.
   *
   * @return {@link Verdict#ALLOWED}, or which limit it is over (then nothing is counted)
   */
  public Verdict tryPublish(String tenant, String deviceId, int payloadBytes) {
    if (config.messagesPerSecond() == 0 && config.bytesPerSecond() == 0) {
      return Verdict.ALLOWED;
    }
    TokenBucket[] buckets = deviceBuckets(tenant + '\u0000' + deviceId);
    TokenBucket messages = buckets[0];
    TokenBucket bytes = buckets[1];
    if (messages != null && !messages.tryTake(1)) {
      return Verdict.TOO_MANY_MESSAGES;
    }
    if (bytes != null && payloadBytes > 0) {
      // a message larger than the burst could never pass; let it through against a full bucket
      double cost = Math.min(payloadBytes, config.byteBurst());
      if (!bytes.tryTake(cost)) {
        return Verdict.TOO_MANY_BYTES;
      }
    }
    return Verdict.ALLOWED;
  }

  /** Whether one more CONNECT from {@code sourceAddress} (an IP, without port) may proceed. */
  public boolean tryConnect(String sourceAddress) {
    if (config.connectsPerSecond() == 0) {
      return true;
    }
    TokenBucket bucket = sources.get(sourceAddress);
    if (bucket == null) {
      String key = admit(sources, sourceAddress);
      bucket =
          sources.computeIfAbsent(
              key,
              k -> new TokenBucket(config.connectsPerSecond(), config.connectBurst(), nanoTime));
    }
    return bucket.tryTake(1);
  }

  /** Forgets a device's buckets when they are full again (call on disconnect). */
  public void forgetDevice(String tenant, String deviceId) {
    String key = tenant + '\u0000' + deviceId;
    TokenBucket[] buckets = devices.get(key);
    if (buckets != null && idle(buckets)) {
      devices.remove(key);
    }
  }

  /** Devices and addresses tracked now (a gauge). */
  public int trackedKeys() {
    return devices.size() + sources.size();
  }

  private TokenBucket[] deviceBuckets(String key) {
    TokenBucket[] buckets = devices.get(key);
    if (buckets != null) {
      return buckets;
    }
    String admitted = admit(devices, key);
    return devices.computeIfAbsent(
        admitted,
        k ->
            new TokenBucket[] {
              config.messagesPerSecond() == 0
                  ? null
                  : new TokenBucket(config.messagesPerSecond(), config.messageBurst(), nanoTime),
              config.bytesPerSecond() == 0
                  ? null
                  : new TokenBucket(config.bytesPerSecond(), config.byteBurst(), nanoTime)
            });
  }

  /**
   * The key to use for a new entry: itself while there is room; when the map is full, idle entries
   * are swept, and if still full every newcomer shares one overflow bucket (bounded memory under a
   * flood of spoofed ids, at the price of limiting newcomers together).
   */
  private <V> String admit(Map<String, V> map, String key) {
    if (trackedKeys() < config.maxTrackedKeys()) {
      return key;
    }
    sweep();
    return trackedKeys() < config.maxTrackedKeys() ? key : OVERFLOW_KEY;
  }

  private void sweep() {
    devices.values().removeIf(RateLimiter::idle);
    sources.values().removeIf(TokenBucket::isFull);
  }

  private static boolean idle(TokenBucket[] buckets) {
    for (TokenBucket b : buckets) {
      if (b != null && !b.isFull()) {
        return false;
      }
    }
    return true;
  }
}
