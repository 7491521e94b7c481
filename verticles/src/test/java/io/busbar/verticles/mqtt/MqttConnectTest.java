package io.busbar.verticles.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import java.nio.charset.StandardCharsets;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** CONNECT and its refusals, MQTT 3.1.1 §3.2.2.3 and 5.0 §3.2.2.2, with HiveMQ and Paho clients. */
@Timeout(30)
class MqttConnectTest {

  private static BrokerFixture broker;

  @BeforeAll
  static void start() {
    broker = BrokerFixture.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static Mqtt5ConnAckReasonCode v5Refusal(String user, String password) {
    Mqtt5BlockingClient c = broker.v5Client(BrokerFixture.uniqueId("v5"));
    Mqtt5ConnAckException e =
        catchThrowableOfType(
            Mqtt5ConnAckException.class,
            () -> {
              if (password == null) {
                c.connect();
              } else {
                c.connectWith()
                    .simpleAuth()
                    .username(user)
                    .password(password.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .send();
              }
            });
    assertThat(e).as("connect must be refused").isNotNull();
    return e.getMqttMessage().getReasonCode();
  }

  private static Mqtt3ConnAckReturnCode v3Refusal(String user, String password) {
    Mqtt3BlockingClient c = broker.v3Client(BrokerFixture.uniqueId("v3"));
    Mqtt3ConnAckException e =
        catchThrowableOfType(
            Mqtt3ConnAckException.class,
            () -> {
              if (password == null) {
                c.connect();
              } else {
                c.connectWith()
                    .simpleAuth()
                    .username(user)
                    .password(password.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .send();
              }
            });
    assertThat(e).as("connect must be refused").isNotNull();
    return e.getMqttMessage().getReturnCode();
  }

  /**
   * Verifies that a device with a valid token connects with 3.1.1 and 5.0, user name = sub or
   * empty.
   */
  @Test
  void acceptsValidToken() {
    String token = broker.deviceToken("press-1", "acme");
    Mqtt5BlockingClient v5 = broker.v5Client(BrokerFixture.uniqueId("ok5"));
    Mqtt5ConnAck ack =
        v5.connectWith()
            .simpleAuth()
            .username("press-1")
            .password(token.getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .send();
    assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    assertThat(ack.isSessionPresent()).isFalse();
    v5.disconnect();
    Mqtt3BlockingClient v3 = broker.connectV3(BrokerFixture.uniqueId("ok3"), "", token);
    v3.disconnect();
  }

  /** Verifies that long client ids (beyond 3.1's 23 characters) are accepted for 3.1.1 and 5.0. */
  @Test
  void acceptsLongClientIds() {
    String token = broker.deviceToken("press-1", "acme");
    String longId = "line-7/press-1/" + "x".repeat(200);
    broker.connectV5(longId, "", token).disconnect();
    broker.connectV3(longId + "-3", "", token).disconnect();
  }

  /** Verifies that no token is refused: 5.0 0x87 not authorized, 3.1.1 0x05, and counted. */
  @Test
  void refusesMissingToken() {
    double before = broker.counter("busbar.mqtt.connect.refused", "reason", "missing_token");
    assertThat(v5Refusal(null, null)).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    assertThat(v3Refusal(null, null)).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    assertThat(broker.counter("busbar.mqtt.connect.refused", "reason", "missing_token"))
        .isEqualTo(before + 2);
  }

  /** Verifies that a password that is no JWT is refused: 5.0 0x86, 3.1.1 0x04 (malformed data). */
  @Test
  void refusesGarbageToken() {
    assertThat(v5Refusal("d", "not-a-jwt"))
        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assertThat(v3Refusal("d", "not-a-jwt"))
        .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);
  }

  /** Verifies that an expired token is refused: 5.0 0x86, 3.1.1 0x05. */
  @Test
  void refusesExpiredToken() {
    String expired = broker.expiredToken("press-1", "acme");
    assertThat(v5Refusal("press-1", expired))
        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assertThat(v3Refusal("press-1", expired)).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    assertThat(broker.counter("busbar.mqtt.connect.refused", "reason", "expired"))
        .isGreaterThanOrEqualTo(2);
  }

  /** Verifies that a user name other than the token's subject is refused (identity mismatch). */
  @Test
  void refusesIdentityMismatch() {
    String token = broker.deviceToken("press-1", "acme");
    assertThat(v5Refusal("press-2", token))
        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assertThat(v3Refusal("press-2", token)).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    assertThat(broker.counter("busbar.mqtt.connect.refused", "reason", "identity_mismatch"))
        .isGreaterThanOrEqualTo(2);
  }

  /** Verifies the refusal codes as Paho v3 and v5 see them (5 / 0x87 missing, 0x86 garbage). */
  @Test
  void pahoSeesRefusalCodes() throws Exception {
    String uri = "tcp://127.0.0.1:" + broker.port;
    org.eclipse.paho.client.mqttv3.MqttClient p3 =
        new org.eclipse.paho.client.mqttv3.MqttClient(uri, "paho3", new MemoryPersistence());
    MqttConnectOptions o3 = new MqttConnectOptions();
    MqttException e3 = catchThrowableOfType(MqttException.class, () -> p3.connect(o3));
    assertThat(e3.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED);
    p3.close();

    org.eclipse.paho.mqttv5.client.MqttClient p5 =
        new org.eclipse.paho.mqttv5.client.MqttClient(
            uri, "paho5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    MqttConnectionOptions o5 = new MqttConnectionOptions();
    o5.setUserName("d");
    o5.setPassword("garbage".getBytes(StandardCharsets.UTF_8));
    org.eclipse.paho.mqttv5.common.MqttException e5 =
        catchThrowableOfType(
            org.eclipse.paho.mqttv5.common.MqttException.class, () -> p5.connect(o5));
    assertThat(e5.getReasonCode()).isEqualTo(0x86);
    MqttConnectionOptions missing = new MqttConnectionOptions();
    e5 =
        catchThrowableOfType(
            org.eclipse.paho.mqttv5.common.MqttException.class, () -> p5.connect(missing));
    assertThat(e5.getReasonCode()).isEqualTo(0x87);
    p5.close();

    // and a valid token through Paho v5 with an empty user name
    org.eclipse.paho.mqttv5.client.MqttClient ok =
        new org.eclipse.paho.mqttv5.client.MqttClient(
            uri, "paho5ok", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    MqttConnectionOptions good = new MqttConnectionOptions();
    good.setUserName("");
    good.setPassword(broker.deviceToken("press-9", "acme").getBytes(StandardCharsets.UTF_8));
    ok.connect(good);
    assertThat(ok.isConnected()).isTrue();
    ok.disconnect();
    ok.close();
  }

  /** Verifies that the connected-clients gauge follows connects and disconnects. */
  @Test
  void gaugeCountsConnectedClients() throws Exception {
    double before = broker.gauge("busbar.mqtt.clients.connected");
    Mqtt5BlockingClient c =
        broker.connectV5(BrokerFixture.uniqueId("g"), "", broker.deviceToken("g1", "acme"));
    assertThat(broker.gauge("busbar.mqtt.clients.connected")).isEqualTo(before + 1);
    c.disconnect();
    long deadline = System.currentTimeMillis() + 5000;
    while (broker.gauge("busbar.mqtt.clients.connected") != before
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(broker.gauge("busbar.mqtt.clients.connected")).isEqualTo(before);
  }

  /** Verifies that with anonymous access on, a client without a token connects as tenant public. */
  @Test
  void anonymousWhenAllowed() {
    try (BrokerFixture open = BrokerFixture.start(true)) {
      Mqtt5BlockingClient c = open.v5Client("anon-1");
      assertThat(c.connect().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
      c.disconnect();
      // a user name without a password is no token: still anonymous, no identity check
      Mqtt5BlockingClient named = open.v5Client("anon-3");
      assertThat(
              named
                  .connectWith()
                  .simpleAuth()
                  .username("someone")
                  .applySimpleAuth()
                  .send()
                  .getReasonCode())
          .isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
      named.disconnect();
      assertThatThrownBy(() -> open.connectV5("anon-2", "x", "garbage"))
          .isInstanceOf(Mqtt5ConnAckException.class);
    }
  }
}
