package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import io.busbar.security.tls.TlsConfig;
import io.busbar.security.tls.TlsOptions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link MqttTransport} with a minimal MQTT part (Netty's codec, CONNACK to CONNECT, PUBACK to a
 * QoS 1 PUBLISH) in a deployed verticle, and real clients: plain TCP; TLS on both engines, with
 * protocols, required client certificates and certificate reload; MQTT over WebSocket (MQTT 5.0 §6)
 * with the HiveMQ client, refused sub-protocols and paths, packets split across frames and frames
 * holding several packets, and the upgrade headers handed to the MQTT part.
 */
@Timeout(60)
class MqttTransportTest {

  private static Vertx vertx;
  private static TestPki pki;
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    pki = new TestPki("busbar-transport-test-ca");
    dir = Files.createTempDirectory("busbar-transport-test");
    pki.writeCa(dir.resolve("ca.pem"));
    pki.server().write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
  }

  @AfterAll
  static void stop() {
    get(vertx.close());
  }

  // ---- TCP ----

  /** Verifies that plain TCP serves MQTT on the deploying verticle's event loop. */
  @Test
  void tcpServesOnTheVerticlesEventLoop() {
    MiniBroker broker = deploy(MqttTransport.tcp("127.0.0.1", 0));
    try {
      Mqtt5BlockingClient c =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier("tcp")
              .serverHost("127.0.0.1")
              .serverPort(broker.port)
              .buildBlocking();
      c.connect();
      c.publishWith().topic("t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
      c.disconnect();
      assertThat(broker.connects.get("tcp").thread()).isSameAs(broker.thread);
    } finally {
      undeploy(broker);
    }
  }

  // ---- TLS ----

  /**
   * Verifies that TLS serves MQTT 5.0 and 3.1.1 clients on each engine, with the protocols of the
   * config only (a TLS 1.2 listener refuses a TLS 1.3-only client).
   */
  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Engine.class,
      names = {"JDK", "OPENSSL"})
  void tlsServesWithTheConfiguredEngineAndProtocols(TlsConfig.Engine engine) {
    TlsConfig config = serverConfig(dir).withEngine(engine);
    MiniBroker broker = deploy(MqttTransport.tls("127.0.0.1", 0, config));
    MiniBroker tls12 =
        deploy(
            MqttTransport.tls(
                "127.0.0.1",
                0,
                new TlsConfig(
                        config.certPath(),
                        config.keyPath(),
                        TlsConfig.ClientAuthMode.NONE,
                        null,
                        Set.of("TLSv1.2"))
                    .withEngine(engine)));
    try {
      for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
        Mqtt5BlockingClient c = v5(broker.port, "v5-" + protocol, ssl(pki, null, protocol));
        c.connect();
        c.publishWith().topic("t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        c.disconnect();
      }
      Mqtt3BlockingClient c3 =
          MqttClient.builder()
              .useMqttVersion3()
              .identifier("v3")
              .serverHost("localhost")
              .serverPort(broker.port)
              .sslConfig(ssl(pki, null, null))
              .buildBlocking();
      c3.connect();
      c3.publishWith().topic("t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
      c3.disconnect();
      assertThat(broker.connects.keySet()).contains("v5-TLSv1.3", "v5-TLSv1.2", "v3");
      assertThat(broker.connects.get("v3").thread()).isSameAs(broker.thread);

      v5(tls12.port, "ok12", ssl(pki, null, "TLSv1.2")).connect();
      Throwable refused =
          catchThrowable(() -> v5(tls12.port, "no13", ssl(pki, null, "TLSv1.3")).connect());
      assertThat(refused).as("TLS 1.3 client on a TLS 1.2 listener").isNotNull();
      assertThat(tls12.connects).containsKey("ok12").doesNotContainKey("no13");
    } finally {
      undeploy(broker);
      undeploy(tls12);
    }
  }

  /**
   * Verifies that with client certificates required a client with one signed by the trusted CA
   * connects and its certificate is readable from the {@code ssl} handler, and a client without one
   * never gets to CONNECT.
   */
  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Engine.class,
      names = {"JDK", "OPENSSL"})
  void mutualTlsRequiresAClientCertificate(TlsConfig.Engine engine) {
    TlsConfig config =
        serverConfig(dir)
            .withEngine(engine)
            .withClientAuth(TlsConfig.ClientAuthMode.REQUIRED, dir.resolve("ca.pem").toString());
    MiniBroker broker = deploy(MqttTransport.tls("127.0.0.1", 0, config));
    try {
      Mqtt5BlockingClient c = v5(broker.port, "dev-1", ssl(pki, pki.client("dev-1", null), null));
      c.connect();
      c.publishWith().topic("t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
      c.disconnect();
      assertThat(broker.connects.get("dev-1").peer()).contains("CN=dev-1");

      Throwable refused =
          catchThrowable(() -> v5(broker.port, "anon", ssl(pki, null, null)).connect());
      assertThat(refused).as("a client without a certificate").isNotNull();
      TestPki other = new TestPki("other-ca");
      Throwable foreign =
          catchThrowable(
              () ->
                  v5(broker.port, "foreign", ssl(pki, other.client("foreign", null), null))
                      .connect());
      assertThat(foreign).as("a certificate of another CA").isNotNull();
      assertThat(broker.connects).doesNotContainKeys("anon", "foreign");
    } finally {
      undeploy(broker);
    }
  }

  /**
   * Verifies certificate reload: after the files are replaced, {@code updateSsl} (as {@code
   * TlsListener.watch} calls it) serves the new certificate to new connections while an open one
   * goes on; a broken pair fails the update and the previous certificate keeps serving.
   */
  @Test
  void reloadServesTheNewCertificateAndKeepsTheOldOnABrokenPair() {
    Path own = tempDir("busbar-transport-reload");
    TlsConfig config = serverConfig(own);
    MqttTransport transport = MqttTransport.tls("127.0.0.1", 0, config);
    MiniBroker broker = deploy(transport);
    Function<ServerSSLOptions, Future<Boolean>> update = transport::updateSsl;
    try {
      Mqtt5BlockingClient open = v5(broker.port, "open", ssl(pki, null, null));
      open.connect();

      TestPki renewed = new TestPki("renewed-ca");
      TestPki.Issued next = renewed.server();
      next.write(own.resolve("server.pem"), own.resolve("server-key.pem"));
      assertThat(broker.onContext(() -> update.apply(TlsOptions.sslOptions(config)))).isTrue();

      v5(broker.port, "new", ssl(renewed, null, null)).connect();
      Throwable old = catchThrowable(() -> v5(broker.port, "old", ssl(pki, null, null)).connect());
      assertThat(old).as("a client trusting only the replaced certificate").isNotNull();
      open.publishWith().topic("t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();

      // a certificate with another certificate's key, then a PEM that is no certificate: each
      // update fails and the renewed certificate keeps serving
      TestPki.Issued stray = renewed.server();
      stray.write(own.resolve("stray.pem"), own.resolve("stray-key.pem"));
      copy(own.resolve("stray.pem"), own.resolve("server.pem"));
      Throwable mismatched =
          catchThrowable(() -> broker.onContext(() -> update.apply(TlsOptions.sslOptions(config))));
      assertThat(mismatched).as("a certificate whose key does not match").isNotNull();
      v5(broker.port, "still", ssl(renewed, null, null)).connect();
      writeString(
          own.resolve("server.pem"),
          "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
      Throwable garbage =
          catchThrowable(() -> broker.onContext(() -> update.apply(TlsOptions.sslOptions(config))));
      assertThat(garbage).as("a PEM that is no certificate").isNotNull();
      v5(broker.port, "again", ssl(renewed, null, null)).connect();
      assertThat(broker.connects)
          .containsKeys("open", "new", "still", "again")
          .doesNotContainKey("old");
    } finally {
      undeploy(broker);
    }
  }

  // ---- WebSocket ----

  /**
   * Verifies that the HiveMQ client speaks MQTT 5.0 over WebSocket at {@code /mqtt}, that the
   * upgrade request's headers are on the channel when CONNECT arrives, and that a frame over the
   * maximum frame size ends the connection.
   */
  @Test
  void webSocketServesHiveMqAndHandsOverTheUpgradeHeaders() {
    MiniBroker broker = deploy(MqttTransport.webSocket("127.0.0.1", 0, 65536));
    try {
      Mqtt5BlockingClient c =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier("ws")
              .serverHost("127.0.0.1")
              .serverPort(broker.port)
              .webSocketConfig()
              .serverPath("mqtt")
              .httpHeaders(Map.of("X-Forwarded-For", "192.0.2.7"))
              .applyWebSocketConfig()
              .buildBlocking();
      c.connect();
      c.publishWith().topic("t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[60_000]).send();
      c.disconnect();
      // one frame over the listener's 65536-byte limit ends the connection (1009)
      Mqtt5BlockingClient big =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier("ws-big")
              .serverHost("127.0.0.1")
              .serverPort(broker.port)
              .webSocketConfig()
              .serverPath("mqtt")
              .applyWebSocketConfig()
              .buildBlocking();
      big.connect();
      Throwable tooBig =
          catchThrowable(
              () ->
                  big.publishWith()
                      .topic("t")
                      .qos(MqttQos.AT_LEAST_ONCE)
                      .payload(new byte[70_000])
                      .send());
      assertThat(tooBig).as("a 70 000-byte frame").isNotNull();
      Connected connected = broker.connects.get("ws");
      assertThat(connected.thread()).isSameAs(broker.thread);
      assertThat(connected.upgradeHeaders()).isNotNull();
      assertThat(connected.upgradeHeaders().get("x-forwarded-for")).isEqualTo("192.0.2.7");
      assertThat(connected.upgradeHeaders().get("Sec-WebSocket-Protocol")).contains("mqtt");
    } finally {
      undeploy(broker);
    }
  }

  /**
   * Verifies that an upgrade not offering the {@code mqtt} sub-protocol is refused with 400
   * (another sub-protocol, none), another path with 404, and a HiveMQ client asking for {@code
   * mqttv3.1} does not connect (MQTT 5.0 §6.0).
   */
  @Test
  void webSocketRefusesOtherSubProtocolsAndPaths() {
    MiniBroker broker = deploy(MqttTransport.webSocket("127.0.0.1", 0, 65536));
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      assertThat(rejection(client, broker.port, "/mqtt", "mqttv3.1")).isEqualTo(400);
      assertThat(rejection(client, broker.port, "/mqtt", null)).isEqualTo(400);
      assertThat(rejection(client, broker.port, "/other", "mqtt")).isEqualTo(404);
      assertThat(rejection(client, broker.port, "/mqtt/x", "mqtt")).isEqualTo(404);
      Throwable refused =
          catchThrowable(
              () ->
                  MqttClient.builder()
                      .useMqttVersion5()
                      .identifier("v31")
                      .serverHost("127.0.0.1")
                      .serverPort(broker.port)
                      .webSocketConfig()
                      .serverPath("mqtt")
                      .subprotocol("mqttv3.1")
                      .applyWebSocketConfig()
                      .buildBlocking()
                      .connect());
      assertThat(refused).isNotNull();
      assertThat(broker.connects).isEmpty();
    } finally {
      get(client.close());
      undeploy(broker);
    }
  }

  /**
   * Verifies that MQTT packets may span WebSocket frames and a frame may hold several (MQTT 5.0
   * §6.0): a CONNECT split over two binary frames, the second also holding a PUBLISH, is answered
   * with CONNACK and PUBACK; the same as one fragmented message (binary + continuation frame); the
   * relay's headers reach the MQTT part.
   */
  @Test
  void packetsSpanFramesAndFramesHoldSeveralPackets() {
    MiniBroker broker = deploy(MqttTransport.webSocket("127.0.0.1", 0, 65536));
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      Buffer expected = Buffer.buffer(CONNACK).appendBytes(PUBACK);
      byte[] connect = connect("split");
      WebSocket ws = get(client.connect(mqttOptions(broker.port, "split")));
      Future<Buffer> answer = read(ws, expected.length());
      ws.writeFinalBinaryFrame(Buffer.buffer().appendBytes(connect, 0, 5));
      ws.writeFinalBinaryFrame(
          Buffer.buffer().appendBytes(connect, 5, connect.length - 5).appendBytes(PUBLISH));
      assertThat(get(answer)).isEqualTo(expected);
      get(ws.close());

      byte[] connect2 = connect("fragments");
      WebSocket ws2 = get(client.connect(mqttOptions(broker.port, "fragments")));
      Future<Buffer> answer2 = read(ws2, expected.length());
      ws2.writeFrame(
          WebSocketFrame.binaryFrame(Buffer.buffer().appendBytes(connect2, 0, 5), false));
      ws2.writeFrame(
          WebSocketFrame.continuationFrame(
              Buffer.buffer().appendBytes(connect2, 5, connect2.length - 5).appendBytes(PUBLISH),
              true));
      assertThat(get(answer2)).isEqualTo(expected);
      get(ws2.close());

      assertThat(broker.connects.get("split").upgradeHeaders().get("X-Relay-Test"))
          .isEqualTo("split");
      assertThat(broker.connects.get("fragments").upgradeHeaders().get("x-relay-test"))
          .isEqualTo("fragments");
    } finally {
      get(client.close());
      undeploy(broker);
    }
  }

  /** Verifies that a text frame closes the connection (MQTT 5.0 §6.0: binary frames only). */
  @Test
  void textFrameClosesTheConnection() {
    MiniBroker broker = deploy(MqttTransport.webSocket("127.0.0.1", 0, 65536));
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocket ws = get(client.connect(mqttOptions(broker.port, "text")));
      Promise<Void> closed = Promise.promise();
      ws.closeHandler(v -> closed.tryComplete());
      ws.writeFinalTextFrame("hello");
      get(closed.future());
      assertThat(ws.isClosed()).isTrue();
    } finally {
      get(client.close());
      undeploy(broker);
    }
  }

  // ---- the minimal MQTT part ----

  /** What the MQTT part saw when a CONNECT arrived. */
  private record Connected(Thread thread, MultiMap upgradeHeaders, String peer) {}

  /** A verticle serving a transport with {@link MiniMqtt}. */
  private static final class MiniBroker extends VerticleBase {

    final MqttTransport transport;
    final Map<String, Connected> connects = new ConcurrentHashMap<>();
    volatile int port;
    volatile Thread thread;

    MiniBroker(MqttTransport transport) {
      this.transport = transport;
    }

    @Override
    public Future<?> start() {
      thread = Thread.currentThread();
      return transport
          .listen(
              context,
              channel ->
                  channel
                      .pipeline()
                      .addLast("mqtt-decoder", new MqttDecoder(1 << 20))
                      .addLast("mqtt-encoder", MqttEncoder.INSTANCE)
                      .addLast("mqtt", new MiniMqtt(connects)))
          .onSuccess(p -> port = p);
    }

    @Override
    public Future<?> stop() {
      return transport.close();
    }

    /** Runs {@code action} on this verticle's context and waits for its result. */
    <T> T onContext(Supplier<Future<T>> action) {
      Promise<T> result = Promise.promise();
      context.runOnContext(v -> action.get().onComplete(result));
      return get(result.future());
    }
  }

  /** CONNACK (accepted) to CONNECT, PUBACK to a QoS 1 PUBLISH, close on DISCONNECT or error. */
  private static final class MiniMqtt extends SimpleChannelInboundHandler<MqttMessage> {

    private final Map<String, Connected> connects;

    MiniMqtt(Map<String, Connected> connects) {
      this.connects = connects;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
      if (msg.decoderResult().isFailure()) {
        ctx.close();
        return;
      }
      switch (msg.fixedHeader().messageType()) {
        case CONNECT -> {
          MqttConnectMessage connect = (MqttConnectMessage) msg;
          Channel channel = ctx.channel();
          connects.put(
              connect.payload().clientIdentifier(),
              new Connected(
                  Thread.currentThread(),
                  channel.attr(MqttTransport.UPGRADE_HEADERS).get(),
                  peer(channel)));
          ctx.writeAndFlush(
              MqttMessageBuilders.connAck()
                  .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
                  .properties(MqttProperties.NO_PROPERTIES)
                  .build());
        }
        case PUBLISH -> {
          MqttPublishMessage publish = (MqttPublishMessage) msg;
          if (publish.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            ctx.writeAndFlush(
                MqttMessageBuilders.pubAck()
                    .packetId(publish.variableHeader().packetId())
                    .reasonCode((byte) 0)
                    .properties(MqttProperties.NO_PROPERTIES)
                    .build());
          }
        }
        case DISCONNECT -> ctx.close();
        default -> {}
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    private static String peer(Channel channel) {
      SslHandler ssl = (SslHandler) channel.pipeline().get(MqttTransport.SSL_HANDLER);
      if (ssl == null) {
        return null;
      }
      try {
        return ((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0])
            .getSubjectX500Principal()
            .getName();
      } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
        return null;
      }
    }
  }

  // ---- raw MQTT bytes ----

  /** CONNACK, MQTT 3.1.1: type 2, remaining length 2, no session present, accepted. */
  private static final byte[] CONNACK = {0x20, 0x02, 0x00, 0x00};

  /** PUBLISH QoS 1 to "t", packet id 7, payload "x". */
  private static final byte[] PUBLISH = {
    0x32, // PUBLISH, QoS 1
    0x06, // remaining length
    0x00,
    0x01,
    't', // topic "t"
    0x00,
    0x07, // packet id 7
    'x' // payload
  };

  /** PUBACK of packet id 7. */
  private static final byte[] PUBACK = {0x40, 0x02, 0x00, 0x07};

  /** An MQTT 3.1.1 CONNECT with a clean session, keep-alive 60 s and the given client id. */
  private static byte[] connect(String clientId) {
    byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
    Buffer b = Buffer.buffer();
    b.appendByte((byte) 0x10); // CONNECT
    b.appendByte((byte) (10 + 2 + id.length)); // remaining length (< 128)
    b.appendBytes(new byte[] {0x00, 0x04, 'M', 'Q', 'T', 'T'}); // protocol name
    b.appendByte((byte) 0x04); // protocol level 4 (3.1.1)
    b.appendByte((byte) 0x02); // flags: clean session
    b.appendBytes(new byte[] {0x00, 0x3C}); // keep alive 60 s
    b.appendShort((short) id.length).appendBytes(id); // client id
    return b.getBytes();
  }

  // ---- helpers ----

  private static WebSocketConnectOptions mqttOptions(int port, String relayTest) {
    return new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(port)
        .setURI("/mqtt")
        .addSubProtocol("mqtt")
        .addHeader("X-Relay-Test", relayTest);
  }

  /** The HTTP status an upgrade at {@code uri} offering {@code subProtocol} is refused with. */
  private static int rejection(WebSocketClient client, int port, String uri, String subProtocol) {
    WebSocketConnectOptions options =
        new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
    if (subProtocol != null) {
      options.addSubProtocol(subProtocol);
    }
    Throwable e = catchThrowable(() -> get(client.connect(options)));
    assertThat(e).as("upgrade at %s offering %s", uri, subProtocol).isNotNull();
    Throwable cause = e;
    while (cause != null && !(cause instanceof UpgradeRejectedException)) {
      cause = cause.getCause();
    }
    assertThat(cause).as("an HTTP refusal, was %s", e).isInstanceOf(UpgradeRejectedException.class);
    return ((UpgradeRejectedException) cause).getStatus();
  }

  /** The first {@code length} bytes {@code ws} receives. */
  private static Future<Buffer> read(WebSocket ws, int length) {
    Promise<Buffer> done = Promise.promise();
    Buffer received = Buffer.buffer();
    ws.handler(
        data -> {
          received.appendBuffer(data);
          if (received.length() >= length) {
            done.tryComplete(received);
          }
        });
    ws.closeHandler(v -> done.tryFail("closed after " + received.length() + " bytes"));
    return done.future();
  }

  private static TlsConfig serverConfig(Path in) {
    if (!Files.exists(in.resolve("server.pem"))) {
      copy(dir.resolve("server.pem"), in.resolve("server.pem"));
      copy(dir.resolve("server-key.pem"), in.resolve("server-key.pem"));
    }
    return TlsConfig.server(
        in.resolve("server.pem").toString(), in.resolve("server-key.pem").toString());
  }

  private static Mqtt5BlockingClient v5(int port, String id, MqttClientSslConfig ssl) {
    Mqtt5ClientBuilder builder =
        MqttClient.builder().useMqttVersion5().identifier(id).serverHost("localhost");
    return builder.serverPort(port).sslConfig(ssl).buildBlocking();
  }

  private static MqttClientSslConfig ssl(
      TestPki trusted, TestPki.Issued clientCert, String protocol) {
    MqttClientSslConfigBuilder builder =
        MqttClientSslConfig.builder().trustManagerFactory(trusted.trustManagers());
    if (clientCert != null) {
      builder = builder.keyManagerFactory(clientCert.keyManagers());
    }
    if (protocol != null) {
      builder = builder.protocols(List.of(protocol));
    }
    return builder.build();
  }

  private static MiniBroker deploy(MqttTransport transport) {
    MiniBroker broker = new MiniBroker(transport);
    get(vertx.deployVerticle(broker));
    return broker;
  }

  private static void undeploy(MiniBroker broker) {
    get(vertx.undeploy(broker.deploymentID()));
  }

  private static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void copy(Path from, Path to) {
    try {
      Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void writeString(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static <T> T get(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
