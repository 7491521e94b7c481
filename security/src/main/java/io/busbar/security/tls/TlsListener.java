package io.busbar.security.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TLS listener's life beyond its options: the engine in use (resolved once, logged by the
 * verticle, gauge {@code busbar.tls.engine.info{listener,engine} = 1}) and the hot reload of its
 * certificate: every {@link TlsConfig#reloadInterval()} the certificate, key and trust files are
 * hashed on a worker, and when they changed the live server gets {@code updateSSLOptions}. Open
 * connections keep the session they negotiated; new ones get the new certificate. A new pair that
 * does not load (bad PEM, key not matching) leaves the old one serving, logs a warning once per
 * change and counts {@code busbar.tls.reload{listener,outcome=failed}}; a good one counts {@code
 * outcome=reloaded}.
 *
 * <p>Threads: the timer and the update run on the creating verticle's context, the hashing on a
 * worker ({@code executeBlocking}, ordered).
 */
public final class TlsListener {

  private static final Logger LOG = LoggerFactory.getLogger(TlsListener.class);

  private final Vertx vertx;
  private final String name;
  private final TlsConfig config;
  private final String engine;
  private final Counter reloaded;
  private final Counter failed;
  private long timer = -1;
  private byte[] serving;
  private byte[] lastSeen;
  private boolean checking;

  /**
   * Resolves the engine and registers the listener's meters.
   *
   * @param name the listener ({@code mqtt}, {@code http}), the meters' {@code listener} tag
   * @throws IllegalStateException when the config asks for OpenSSL and it cannot be loaded
   */
  public TlsListener(Vertx vertx, String name, TlsConfig config, MeterRegistry registry) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.name = Objects.requireNonNull(name, "name");
    this.config = Objects.requireNonNull(config, "config");
    this.engine = TlsOptions.engineName(config.engine());
    Gauge.builder("busbar.tls.engine.info", () -> 1)
        .description("TLS engine serving a listener (openssl or jdk)")
        .tags("listener", name, "engine", engine)
        .register(registry);
    reloaded = reloads(registry, name, "reloaded");
    failed = reloads(registry, name, "failed");
  }

  private static Counter reloads(MeterRegistry registry, String listener, String outcome) {
    return Counter.builder("busbar.tls.reload")
        .description("certificate reloads of a TLS listener, by outcome")
        .tags("listener", listener, "outcome", outcome)
        .register(registry);
  }

  /** {@code openssl} or {@code jdk}. */
  public String engine() {
    return engine;
  }

  /** The config this listener serves. */
  public TlsConfig config() {
    return config;
  }

  /** Switches TLS on in {@code options} as the config says (see {@link TlsOptions#apply}). */
  public <T extends NetServerOptions> T apply(T options) {
    return TlsOptions.apply(config, options);
  }

  /**
   * Starts watching the files, when the config has a reload interval. Call on the verticle's
   * context after the server is bound.
   *
   * @param update the server's {@code updateSSLOptions(options, true)}
   * @return a future completed once the files' first fingerprint is taken (or at once when no
   *     reload is configured)
   */
  public Future<Void> watch(Function<ServerSSLOptions, Future<Boolean>> update) {
    if (config.reloadInterval().isZero()) {
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(this::fingerprint, true)
        .onSuccess(
            fp -> {
              serving = fp;
              lastSeen = fp;
              timer = vertx.setPeriodic(config.reloadInterval().toMillis(), id -> check(update));
            })
        .mapEmpty();
  }

  /** Stops watching. */
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void check(Function<ServerSSLOptions, Future<Boolean>> update) {
    if (checking) {
      return; // the previous check (a slow disk, a reload) is still running
    }
    checking = true;
    vertx
        .executeBlocking(this::fingerprint, true)
        .compose(
            fp -> {
              if (Arrays.equals(fp, lastSeen)) {
                return Future.succeededFuture();
              }
              lastSeen = fp; // one attempt (and one warning) per change of the files
              return reload(update, fp);
            })
        .onComplete(
            ar -> {
              checking = false;
              if (ar.failed()) {
                LOG.warn(
                    "{} TLS: cannot read the certificate files: {}", name, ar.cause().toString());
              }
            });
  }

  private Future<Void> reload(Function<ServerSSLOptions, Future<Boolean>> update, byte[] fp) {
    Future<Boolean> updated;
    try {
      updated = update.apply(TlsOptions.sslOptions(config));
    } catch (RuntimeException e) {
      updated = Future.failedFuture(e);
    }
    return updated.transform(
        ar -> {
          if (ar.succeeded()) {
            serving = fp;
            reloaded.increment();
            LOG.info("{} TLS: reloaded certificate {}", name, config.certPath());
          } else {
            failed.increment();
            LOG.warn(
                "{} TLS: the changed certificate {} or key {} does not load, still serving"
                    + " the previous one: {}",
                name,
                config.certPath(),
                config.keyPath(),
                ar.cause().toString());
          }
          return Future.<Void>succeededFuture();
        });
  }

  /** SHA-256 over the files' contents (a missing file hashes as empty). Blocking. */
  private byte[] fingerprint() {
    List<String> files = new ArrayList<>(List.of(config.certPath(), config.keyPath()));
    if (config.trustPath() != null) {
      files.add(config.trustPath());
    }
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String file : files) {
        byte[] content;
        try {
          content = Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
          content = new byte[0]; // mid-replacement: the next check sees the new file
        }
        digest.update(content);
        digest.update((byte) 0);
      }
      return digest.digest();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
