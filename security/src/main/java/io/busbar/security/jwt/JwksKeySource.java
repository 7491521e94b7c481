package io.busbar.security.jwt;

import io.busbar.security.AuthenticationException;
import io.busbar.security.AuthenticationException.Reason;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An issuer's keys fetched from its JWKS URL (RFC 7517 §5; OpenID Connect Discovery {@code
 * jwks_uri}) with the Vert.x HTTP client, cached, and refreshed
 *
 * <ul>
 *   <li>on schedule, every {@code refreshInterval};
 *   <li>on demand when a token names an unknown {@code kid} (the issuer rotated its keys), at most
 *       once per {@code minRefetchInterval}, so a flood of tokens with made-up key ids costs one
 *       request per interval, not one per token; concurrent demands share one request.
 * </ul>
 *
 * A failed fetch (network error, non-200, oversized or unparsable document, no usable key) keeps
 * the last good keys: an identity-provider outage does not lock devices out.
 *
 * <p>Threads: {@link #key} may be called from any thread; the key set is an immutable snapshot
 * behind a volatile field, the fetch bookkeeping is guarded by {@code this}. HTTP I/O runs on the
 * context that was current when the source was built (a new event-loop context if none).
 */
public final class JwksKeySource implements KeySource {

  /** Largest JWKS document accepted; real ones are a few kilobytes. */
  public static final int MAX_DOCUMENT_BYTES = 512 * 1024;

  /** Default time a fetch may take before it counts as failed. */
  public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(JwksKeySource.class);

  private final Vertx vertx;
  private final URI url;
  private final Duration refreshInterval;
  private final long minRefetchNanos;
  private final Duration fetchTimeout;
  private final LongSupplier nanoTime;
  private final HttpClient client;
  private final Context context;

  private volatile KeySet keys = KeySet.EMPTY;
  private Future<Void> inFlight; // guarded by this
  private long lastDemandNanos; // guarded by this
  private boolean demanded; // guarded by this
  private long timerId = -1;

  private final AtomicLong fetches = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  /**
   * @param url the JWKS URL, {@code http} or {@code https} (certificates checked against the JDK
   *     trust store, host name verified)
   * @param refreshInterval time between scheduled refreshes
   * @param minRefetchInterval least time between two fetches triggered by unknown key ids
   */
  public JwksKeySource(
      Vertx vertx, URI url, Duration refreshInterval, Duration minRefetchInterval) {
    this(vertx, url, refreshInterval, minRefetchInterval, DEFAULT_FETCH_TIMEOUT, System::nanoTime);
  }

  /** As above, with the fetch timeout and the nano clock given (tests). */
  public JwksKeySource(
      Vertx vertx,
      URI url,
      Duration refreshInterval,
      Duration minRefetchInterval,
      Duration fetchTimeout,
      LongSupplier nanoTime) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.url = Objects.requireNonNull(url, "url");
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
      throw new IllegalArgumentException("JWKS URL " + url + " is not http(s)");
    }
    this.refreshInterval = Objects.requireNonNull(refreshInterval, "refreshInterval");
    this.minRefetchNanos = minRefetchInterval.toNanos();
    this.fetchTimeout = fetchTimeout;
    this.nanoTime = nanoTime;
    // every fetch runs on this one context, so the response handlers are set on the event loop
    // that delivers the body, before any of it arrives, whoever asked for the keys
    this.context = vertx.getOrCreateContext();
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout((int) fetchTimeout.toMillis())
                .setVerifyHost(true)
                .setTrustAll(false));
  }

  /**
   * Fetches the keys now and schedules the refreshes.
   *
   * @return a future that fails when this first fetch fails; the source stays usable and keeps
   *     trying on schedule and on unknown key ids
   */
  @Override
  public Future<Void> start() {
    synchronized (this) {
      if (timerId < 0) {
        timerId = vertx.setPeriodic(refreshInterval.toMillis(), id -> refresh());
      }
    }
    return refresh();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
        timerId = -1;
      }
    }
    client.close();
  }

  @Override
  public Future<VerificationKey> key(String kid, JwsAlgorithm alg) {
    VerificationKey key = keys.find(kid, alg);
    if (key != null) {
      return Future.succeededFuture(key);
    }
    // maybe the issuer rotated: refresh (rate-limited), then look again
    return refreshOnDemand()
        .transform(
            ar -> {
              KeySet current = keys;
              VerificationKey found = current.find(kid, alg);
              if (found != null) {
                return Future.succeededFuture(found);
              }
              return Future.failedFuture(
                  current.isEmpty()
                      ? new AuthenticationException(
                          Reason.KEYS_UNAVAILABLE, "no keys loaded from " + url)
                      : new AuthenticationException(
                          Reason.UNKNOWN_KEY, "no key " + kid + " for " + alg));
            });
  }

  @Override
  public boolean isCurrent(VerificationKey key) {
    return keys.contains(key);
  }

  /** Fetches now unless a fetch is running (then joins it). */
  public Future<Void> refresh() {
    synchronized (this) {
      if (inFlight != null) {
        return inFlight;
      }
      return startFetch();
    }
  }

  /** How many fetches were started. */
  public long fetchCount() {
    return fetches.get();
  }

  /** How many fetches failed (the previous keys stayed in use). */
  public long failureCount() {
    return failures.get();
  }

  /** How many usable keys are loaded. */
  public int keyCount() {
    return keys.size();
  }

  public URI url() {
    return url;
  }

  private Future<Void> refreshOnDemand() {
    synchronized (this) {
      if (inFlight != null) {
        return inFlight;
      }
      long now = nanoTime.getAsLong();
      if (demanded && now - lastDemandNanos < minRefetchNanos) {
        return Future.succeededFuture(); // rate-limited: answer from what we have
      }
      demanded = true;
      lastDemandNanos = now;
      return startFetch();
    }
  }

  /** Must hold the lock. */
  private Future<Void> startFetch() {
    fetches.incrementAndGet();
    // inFlight is set before the chain is built: the chain may complete at once, on this thread,
    // and must then find the field to clear. The bookkeeping happens before the returned future
    // completes, so whoever waits on it sees the failure counted and may fetch again at once.
    Promise<Void> done = Promise.promise();
    inFlight = done.future();
    download()
        .<Void>map(
            body -> {
              List<VerificationKey> parsed = JsonWebKeys.parseSet(new JsonObject(body));
              if (parsed.isEmpty()) {
                throw new IllegalStateException("JWKS holds no usable signature key");
              }
              keys = new KeySet(parsed);
              return null;
            })
        .onComplete(
            ar -> {
              synchronized (this) {
                inFlight = null;
              }
              if (ar.failed()) {
                failures.incrementAndGet();
                LOG.warn(
                    "JWKS fetch from {} failed, keeping {} known keys: {}",
                    url,
                    keys.size(),
                    ar.cause().toString());
              }
              done.handle(ar);
            });
    return done.future();
  }

  private Future<Buffer> download() {
    Promise<Buffer> result = Promise.promise();
    context.runOnContext(v -> request().onComplete(result));
    return result.future();
  }

  private Future<Buffer> request() {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(url.toString())
            .setTimeout(fetchTimeout.toMillis())
            .putHeader("Accept", "application/jwk-set+json, application/json");
    try {
      return client.request(options).compose(request -> request.send()).compose(this::boundedBody);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Buffer> boundedBody(HttpClientResponse response) {
    if (response.statusCode() != 200) {
      response.exceptionHandler(ignored -> {});
      response.request().reset();
      return Future.failedFuture(new IllegalStateException("HTTP " + response.statusCode()));
    }
    Promise<Buffer> body = Promise.promise();
    Buffer collected = Buffer.buffer();
    response.exceptionHandler(body::tryFail);
    response.handler(
        chunk -> {
          if (collected.length() + chunk.length() > MAX_DOCUMENT_BYTES) {
            body.tryFail(new IllegalStateException("JWKS larger than " + MAX_DOCUMENT_BYTES));
            response.request().reset();
          } else {
            collected.appendBuffer(chunk);
          }
        });
    response.endHandler(v -> body.tryComplete(collected));
    return body.future();
  }
}
