package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.hub.config.ClusterConfig;
import io.busbar.security.tls.TlsConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutual TLS on the clustered event bus: three clustered Vert.x in one JVM (Hazelcast on loopback,
 * event buses set up as a node sets up its own): two share the cluster's certificate, the third
 * joins the same Hazelcast cluster with a certificate the others do not trust.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterTlsTest {

  private static final String ADDRESS = "busbar.test.tls-echo";

  private static SelfSignedCertificate clusterCert;
  private static SelfSignedCertificate rogueCert;
  private static final List<Vertx> members = new ArrayList<>();
  private static final List<String> received = new CopyOnWriteArrayList<>();
  private static Vertx a;
  private static Vertx b;
  private static Vertx rogue;

  @BeforeAll
  static void startMembers() throws Exception {
    clusterCert = SelfSignedCertificate.create("busbar-node");
    rogueCert = SelfSignedCertificate.create("rogue");
    String name = "tls-test-" + UUID.randomUUID();
    int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
    a = member(name, port, clusterCert);
    a.eventBus()
        .<String>consumer(
            ADDRESS,
            m -> {
              received.add(m.body());
              m.reply("echo:" + m.body());
            })
        .completion()
        .await(10, TimeUnit.SECONDS);
    b = member(name, port, clusterCert);
    rogue = member(name, port, rogueCert);
  }

  private static Vertx member(String name, int port, SelfSignedCertificate cert) throws Exception {
    TlsConfig tls =
        TlsConfig.server(cert.certificatePath(), cert.privateKeyPath())
            .withClientAuth(TlsConfig.ClientAuthMode.REQUIRED, cert.certificatePath());
    ClusterConfig cluster =
        new ClusterConfig(
            true,
            name,
            "127.0.0.1",
            port,
            List.of("127.0.0.1:" + port + "-" + (port + 5)),
            1,
            null,
            tls);
    VertxOptions options = new VertxOptions();
    Node.clusterEventBus(cluster, options.getEventBusOptions());
    assertThat(options.getEventBusOptions().isSsl()).isTrue();
    Vertx vertx =
        Vertx.builder()
            .with(options)
            .withClusterManager(ClusterSetup.clusterManager(cluster))
            .buildClustered()
            .await(60, TimeUnit.SECONDS);
    members.add(vertx);
    return vertx;
  }

  @AfterAll
  static void stopMembers() throws Exception {
    for (Vertx v : members) {
      v.close().await(30, TimeUnit.SECONDS);
    }
    clusterCert.delete();
    rogueCert.delete();
  }

  /** Verifies that a request crosses from one member to another over the TLS event bus. */
  @Test
  void messageCrossesOverTls() throws Exception {
    String reply = request(b, "from-b").await(20, TimeUnit.SECONDS);
    assertThat(reply).isEqualTo("echo:from-b");
    assertThat(received).contains("from-b");
  }

  /**
   * Verifies that a member of the same Hazelcast cluster without a trusted certificate cannot
   * deliver: its request fails and the consumer never sees it, while trusted members still can.
   */
  @Test
  void memberWithoutTrustedCertificateCannotDeliver() throws Exception {
    // the rogue sees the consumer's registration through Hazelcast, but its TLS handshake fails
    Throwable failure =
        request(rogue, "from-rogue")
            .map(r -> (Throwable) null)
            .otherwise(e -> e)
            .await(20, TimeUnit.SECONDS);
    assertThat(failure).as("rogue request must fail").isNotNull();
    rogue.eventBus().publish(ADDRESS, "rogue-publish");
    assertThat(request(b, "after-rogue").await(20, TimeUnit.SECONDS)).isEqualTo("echo:after-rogue");
    Thread.sleep(500);
    assertThat(received).doesNotContain("from-rogue", "rogue-publish");
  }

  private static Future<String> request(Vertx from, String body) {
    // the consumer's registration reaches the member through Hazelcast a little after it joins
    return from.eventBus()
        .<String>request(ADDRESS, body, new DeliveryOptions().setSendTimeout(5000))
        .map(m -> m.body())
        .recover(
            e ->
                e.getMessage() != null && e.getMessage().contains("No handlers")
                    ? Future.future(p -> from.setTimer(200, t -> request(from, body).onComplete(p)))
                    : Future.failedFuture(e));
  }
}
