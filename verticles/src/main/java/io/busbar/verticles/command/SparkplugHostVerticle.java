package io.busbar.verticles.command;

import io.busbar.codecs.bus.Addresses;
import io.busbar.codecs.sparkplug.RebirthRequest;
import io.busbar.codecs.sparkplug.SparkplugCommands;
import io.busbar.codecs.sparkplug.SparkplugHostState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node as a Sparkplug B host application (Sparkplug 3.0 §7): publishes its STATE {@code
 * online=true} (retained, QoS 1, §7.3) when it starts and {@code online=false} with the same
 * timestamp when it stops, and every {@link SparkplugHostConfig#rebirthInterval()} the rebirth
 * NCMDs (§6.4.12, QoS 0) that the shared {@link SparkplugHostState} decided on. Everything goes
 * through the broker's bus bridge ({@link Addresses#MQTT_PUBLISH}).
 *
 * <p>The host is the broker itself, so there is no MQTT will: the death is published on a clean
 * stop, and a crash leaves {@code online=true} until the next start overwrites it with a new
 * timestamp.
 *
 * <p>Deploy one instance per node after the broker (it is then undeployed before the broker).
 * Metrics: {@code busbar.sparkplug.rebirths.sent}, {@code busbar.sparkplug.publish.failed}.
 */
public final class SparkplugHostVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SparkplugHostVerticle.class);
  private static final long PUBLISH_TIMEOUT_MS = 5_000;

  private final SparkplugHostConfig config;
  private final SparkplugHostState host;
  private final Counter rebirthsSent;
  private final Counter publishFailed;
  private long stateTimestamp;
  private long timer = -1;

  public SparkplugHostVerticle(
      SparkplugHostConfig config, SparkplugHostState host, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.host = Objects.requireNonNull(host, "host");
    this.rebirthsSent =
        Counter.builder("busbar.sparkplug.rebirths.sent")
            .description("Rebirth NCMDs published to edge nodes")
            .register(registry);
    this.publishFailed =
        Counter.builder("busbar.sparkplug.publish.failed")
            .description("STATE or NCMD messages the broker did not take")
            .register(registry);
  }

  /**
   * Publishes STATE online, then starts the rebirth timer.
   *
   * @return fails when the broker's bridge does not take the STATE (no broker on this node)
   */
  @Override
  public Future<?> start() {
    stateTimestamp = System.currentTimeMillis();
    return publish(SparkplugCommands.hostState(config.hostId(), true, stateTimestamp))
        .onSuccess(
            v -> {
              timer = vertx.setPeriodic(config.rebirthInterval().toMillis(), t -> rebirths());
              LOG.info("Sparkplug host {} online", config.hostId());
            });
  }

  /** Stops the timer and publishes STATE offline with the birth's timestamp (§7.3). */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return publish(SparkplugCommands.hostState(config.hostId(), false, stateTimestamp))
        .recover(
            e -> {
              LOG.warn("Sparkplug host {}: STATE offline not published: {}", config.hostId(), e);
              return Future.succeededFuture();
            });
  }

  private void rebirths() {
    long now = System.currentTimeMillis();
    for (RebirthRequest request : host.dueRebirths(now)) {
      LOG.debug("rebirth of {}: {}", request.edgeNodeId(), request.reason());
      publish(SparkplugCommands.rebirth(request, now)).onSuccess(v -> rebirthsSent.increment());
    }
  }

  private Future<Void> publish(SparkplugCommands.Command command) {
    JsonObject request =
        new JsonObject()
            .put("tenant", config.tenant())
            .put("topic", command.topic())
            .put("payload", Base64.getEncoder().encodeToString(command.payload()))
            .put("qos", command.qos())
            .put("retain", command.retain());
    return vertx
        .eventBus()
        .request(
            Addresses.MQTT_PUBLISH,
            request,
            new DeliveryOptions().setSendTimeout(PUBLISH_TIMEOUT_MS).setLocalOnly(true))
        .onFailure(e -> publishFailed.increment())
        .mapEmpty();
  }
}
