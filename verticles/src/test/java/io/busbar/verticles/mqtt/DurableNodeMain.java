package io.busbar.verticles.mqtt;

import io.busbar.codecs.bus.BusCodecs;
import io.busbar.codecs.routing.DecoderTable;
import io.busbar.security.acl.TopicAcl;
import io.busbar.security.jwt.DevelopmentIssuer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * A broker in its own JVM for crash tests: {@code DurableNodeMain <dataDir>} starts a broker
 * keeping its state in {@code dataDir}, prints {@code PORT <n>} and runs until killed.
 */
public final class DurableNodeMain {

  private DurableNodeMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Vertx vertx = Vertx.vertx();
    BusCodecs.register(vertx.eventBus());
    DevelopmentIssuer issuer = DevelopmentIssuer.loadOrCreate(vertx, dir);
    MqttBrokerVerticle broker =
        new MqttBrokerVerticle(
            new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
                .withDataDir(dir),
            issuer.authenticator(),
            TopicAcl.defaults(),
            DecoderTable.defaults(),
            new SimpleMeterRegistry());
    vertx.deployVerticle(broker).toCompletionStage().toCompletableFuture().get();
    System.out.println("PORT " + broker.actualPort());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
