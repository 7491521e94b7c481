package io.busbar.security.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.ratelimit.RateLimiter.Verdict;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Token buckets and the per-device / per-address limiter on a hand-driven clock. */
@Timeout(5)
class RateLimiterTest {

  private final AtomicLong nanos = new AtomicLong();

  private void advanceMillis(long millis) {
    nanos.addAndGet(millis * 1_000_000);
  }

  /** Verifies that a bucket allows its burst, then exactly its rate. */
  @Test
  void bucketAllowsBurstThenRate() {
    TokenBucket bucket = new TokenBucket(10, 5, nanos::get);
    int passed = 0;
    for (int i = 0; i < 20; i++) {
      passed += bucket.tryTake(1) ? 1 : 0;
    }
    assertThat(passed).isEqualTo(5);

    advanceMillis(300); // 3 tokens
    passed = 0;
    for (int i = 0; i < 20; i++) {
      passed += bucket.tryTake(1) ? 1 : 0;
    }
    assertThat(passed).isEqualTo(3);
    advanceMillis(10_000);
    assertThat(bucket.available()).isEqualTo(5.0);
    assertThat(bucket.isFull()).isTrue();
  }

  /** Verifies that debt taken anyway is paid back before anything passes again. */
  @Test
  void debtIsPaidBack() {
    TokenBucket bucket = new TokenBucket(1, 2, nanos::get);
    bucket.takeAnyway(4); // floor at -capacity
    assertThat(bucket.available()).isEqualTo(-2.0);
    advanceMillis(2_500);
    assertThat(bucket.tryTake(1)).isFalse();
    advanceMillis(1_000);
    assertThat(bucket.tryTake(1)).isTrue();
  }

  /** Verifies that each device has its own message budget, per tenant. */
  @Test
  void messagesArePerDevice() {
    RateLimiter limiter = new RateLimiter(new RateLimitConfig(2, 3, 0, 0, 0, 0, 100), nanos::get);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryPublish("acme", "d1", 10)).isEqualTo(Verdict.ALLOWED);
    }
    assertThat(limiter.tryPublish("acme", "d1", 10)).isEqualTo(Verdict.TOO_MANY_MESSAGES);
    assertThat(limiter.tryPublish("acme", "d2", 10)).isEqualTo(Verdict.ALLOWED);
    assertThat(limiter.tryPublish("globex", "d1", 10)).isEqualTo(Verdict.ALLOWED);

    advanceMillis(500);
    assertThat(limiter.tryPublish("acme", "d1", 10)).isEqualTo(Verdict.ALLOWED);
    assertThat(limiter.tryPublish("acme", "d1", 10)).isEqualTo(Verdict.TOO_MANY_MESSAGES);
  }

  /** Verifies the bytes/s limit, and that one message larger than the burst can still pass. */
  @Test
  void bytesAreLimited() {
    RateLimiter limiter =
        new RateLimiter(new RateLimitConfig(0, 0, 1000, 1000, 0, 0, 100), nanos::get);
    assertThat(limiter.tryPublish("t", "d", 600)).isEqualTo(Verdict.ALLOWED);
    assertThat(limiter.tryPublish("t", "d", 600)).isEqualTo(Verdict.TOO_MANY_BYTES);
    advanceMillis(1000);
    assertThat(limiter.tryPublish("t", "d", 50_000)).isEqualTo(Verdict.ALLOWED);
    assertThat(limiter.tryPublish("t", "d", 1)).isEqualTo(Verdict.TOO_MANY_BYTES);
  }

  /** Verifies the connect rate per source address. */
  @Test
  void connectsArePerAddress() {
    RateLimiter limiter = new RateLimiter(new RateLimitConfig(0, 0, 0, 0, 1, 2, 100), nanos::get);
    assertThat(limiter.tryConnect("10.0.0.1")).isTrue();
    assertThat(limiter.tryConnect("10.0.0.1")).isTrue();
    assertThat(limiter.tryConnect("10.0.0.1")).isFalse();
    assertThat(limiter.tryConnect("10.0.0.2")).isTrue();
    advanceMillis(1000);
    assertThat(limiter.tryConnect("10.0.0.1")).isTrue();
  }

  /** Verifies that memory stays bounded under a flood of distinct ids. */
  @Test
  void trackedKeysAreBounded() {
    RateLimiter limiter = new RateLimiter(new RateLimitConfig(1, 1, 0, 0, 0, 0, 10), nanos::get);
    for (int i = 0; i < 1000; i++) {
      limiter.tryPublish("t", "spoof-" + i, 1);
    }
    assertThat(limiter.trackedKeys()).isLessThanOrEqualTo(11);
    advanceMillis(5000); // everyone idle again
    assertThat(limiter.tryPublish("t", "fresh", 1)).isEqualTo(Verdict.ALLOWED);
    limiter.forgetDevice("t", "fresh");
    assertThat(limiter.trackedKeys()).isLessThanOrEqualTo(11);
  }

  /** Verifies that zero rates switch limits off and bad settings are named. */
  @Test
  void zeroMeansOffAndBadConfigIsNamed() {
    RateLimiter off = new RateLimiter(new RateLimitConfig(0, 0, 0, 0, 0, 0, 1), nanos::get);
    for (int i = 0; i < 1000; i++) {
      assertThat(off.tryPublish("t", "d", 1_000_000)).isEqualTo(Verdict.ALLOWED);
      assertThat(off.tryConnect("a")).isTrue();
    }
    assertThatThrownBy(() -> new RateLimitConfig(-1, 1, 0, 0, 0, 0, 1))
        .hasMessageContaining("messagesPerSecond");
    assertThatThrownBy(() -> new RateLimitConfig(1, 0, 0, 0, 0, 0, 1))
        .hasMessageContaining("burst");
    assertThatThrownBy(() -> new TokenBucket(0, 1, nanos::get))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(RateLimitConfig.defaults().messagesPerSecond()).isEqualTo(100);
  }
}
