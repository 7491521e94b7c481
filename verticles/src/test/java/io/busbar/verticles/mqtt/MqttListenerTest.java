package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listeners: MQTT over WebSocket next to TCP, and an orderly shutdown. */
@Timeout(30)
class MqttListenerTest {

  /**
   * Verifies that MQTT over WebSocket at /mqtt works for 5.0 and 3.1.1 clients and shares routing
   * with the TCP listener.
   */
  @Test
  void speaksMqttOverWebSocket() throws Exception {
    MqttConfig config =
        new MqttConfig("127.0.0.1", 0, MqttConfig.DEFAULT_MAX_MESSAGE_SIZE, false)
            .withWebSocketPort(0);
    try (BrokerFixture broker = BrokerFixture.start(config)) {
      int wsPort = broker.verticle.actualWebSocketPort();
      assertThat(wsPort).isPositive();
      String token = broker.appToken("ws-app", "acme");
      Mqtt5BlockingClient ws =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier("ws-5")
              .serverHost("127.0.0.1")
              .serverPort(wsPort)
              .webSocketConfig()
              .serverPath("mqtt")
              .applyWebSocketConfig()
              .buildBlocking();
      Mqtt5Publishes in = ws.publishes(MqttGlobalPublishFilter.ALL);
      ws.connectWith()
          .simpleAuth()
          .username("")
          .password(token.getBytes())
          .applySimpleAuth()
          .send();
      ws.subscribeWith().topicFilter("ws/#").send();

      Mqtt3BlockingClient ws3 =
          MqttClient.builder()
              .useMqttVersion3()
              .identifier("ws-3")
              .serverHost("127.0.0.1")
              .serverPort(wsPort)
              .webSocketConfig()
              .serverPath("mqtt")
              .applyWebSocketConfig()
              .buildBlocking();
      ws3.connectWith()
          .simpleAuth()
          .username("ws-app")
          .password(token.getBytes())
          .applySimpleAuth()
          .send();
      ws3.publishWith().topic("ws/from-ws3").payload("a".getBytes()).send();

      Mqtt5BlockingClient tcp = broker.connectV5("tcp-1", "", token);
      tcp.publishWith().topic("ws/from-tcp").payload("b".getBytes()).send();

      assertThat(in.receive(5, TimeUnit.SECONDS).orElseThrow().getTopic().toString())
          .isEqualTo("ws/from-ws3");
      assertThat(
              new String(
                  in.receive(5, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes(),
                  StandardCharsets.UTF_8))
          .isEqualTo("b");
      tcp.disconnect();
      ws3.disconnect();
      ws.disconnect();
    }
  }

  /** Verifies that stopping the broker sends 5.0 clients DISCONNECT 0x8B server shutting down. */
  @Test
  void tellsClientsOnShutdown() throws Exception {
    BrokerFixture broker = BrokerFixture.start();
    BlockingQueue<Throwable> causes = new LinkedBlockingQueue<>();
    Mqtt5BlockingClient c =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("bye-1")
            .serverHost("127.0.0.1")
            .serverPort(broker.port)
            .addDisconnectedListener(ctx -> causes.add(ctx.getCause()))
            .buildBlocking();
    c.connectWith()
        .simpleAuth()
        .username("")
        .password(broker.appToken("bye", "acme").getBytes())
        .applySimpleAuth()
        .send();
    broker.close();
    Throwable cause = causes.poll(5, TimeUnit.SECONDS);
    assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
    assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN);
  }
}
