package io.busbar.perf.sim;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated factory: one real MQTT connection per machine, authenticated with the machine's own
 * JWT, publishing JSON telemetry to {@code devices/{id}/telemetry} at QoS 1 every interval. A
 * machine whose connection drops reconnects with back-off. Runs on the Vert.x event loop it is
 * started on.
 */
public final class FactorySimulator {

  private static final Logger LOG = LoggerFactory.getLogger(FactorySimulator.class);
  private static final long MAX_BACKOFF_MS = 10_000;

  /** Where to connect and what to simulate. */
  public record Settings(String host, int port, PlantLayout layout, Duration interval) {}

  private final Vertx vertx;
  private final Settings settings;
  private final Function<String, String> tokenFor;
  private final List<Machine> machines = new ArrayList<>();
  private volatile boolean stopped;

  private FactorySimulator(Vertx vertx, Settings settings, Function<String, String> tokenFor) {
    this.vertx = vertx;
    this.settings = settings;
    this.tokenFor = tokenFor;
  }

  /**
   * Connects every machine and starts publishing.
   *
   * @param tokenFor mints the JWT of a machine id
   * @return a future that completes when every machine is connected, or fails with the first
   *     connection failure
   */
  public static Future<FactorySimulator> start(
      Vertx vertx, Settings settings, Function<String, String> tokenFor) {
    FactorySimulator simulator = new FactorySimulator(vertx, settings, tokenFor);
    SplittableRandom seeds = new SplittableRandom(42);
    List<Future<?>> connected = new ArrayList<>();
    for (String id : settings.layout().machineIds()) {
      Machine machine = simulator.new Machine(id, new MachineModel(seeds.split()));
      simulator.machines.add(machine);
      connected.add(machine.connect());
    }
    return Future.all(connected).map(simulator);
  }

  public int machineCount() {
    return machines.size();
  }

  /** Stops publishing and disconnects every machine. */
  public Future<Void> stop() {
    stopped = true;
    List<Future<?>> closed = new ArrayList<>();
    for (Machine m : machines) {
      closed.add(m.close());
    }
    return Future.join(closed).mapEmpty();
  }

  private final class Machine {
    private final String id;
    private final MachineModel model;
    private final String topic;
    private MqttClient client;
    private long timer = -1;
    private long backoffMs = 500;

    Machine(String id, MachineModel model) {
      this.id = id;
      this.model = model;
      this.topic = "devices/" + id + "/telemetry";
    }

    Future<?> connect() {
      MqttClientOptions options =
          new MqttClientOptions()
              .setClientId(id)
              .setUsername(id)
              .setPassword(tokenFor.apply(id))
              .setCleanSession(true)
              .setKeepAliveInterval(30)
              .setAutoKeepAlive(true);
      client = MqttClient.create(vertx, options);
      client.closeHandler(v -> onClosed());
      return client
          .connect(settings.port(), settings.host())
          .onSuccess(
              ack -> {
                backoffMs = 500;
                timer = vertx.setPeriodic(settings.interval().toMillis(), t -> publish());
              });
    }

    private void publish() {
      if (client.isConnected()) {
        Buffer payload = Buffer.buffer(model.tick(System.currentTimeMillis()));
        client
            .publish(topic, payload, MqttQoS.AT_LEAST_ONCE, false, false)
            .onFailure(e -> LOG.debug("{}: publish failed: {}", id, e.getMessage()));
      }
    }

    private void onClosed() {
      cancelTimer();
      if (stopped) {
        return;
      }
      long delay = backoffMs;
      backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
      LOG.info("{}: connection lost, reconnecting in {} ms", id, delay);
      vertx.setTimer(
          delay,
          t -> {
            if (!stopped) {
              connect().onFailure(e -> onClosed());
            }
          });
    }

    private void cancelTimer() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }

    Future<?> close() {
      cancelTimer();
      return client != null && client.isConnected()
          ? client.disconnect()
          : Future.succeededFuture();
    }
  }
}
