package io.busbar.security.acl;

import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.security.Principal;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(5)
class TopicAclTest {

  private static final TopicAcl ACL = TopicAcl.defaults();
  private static final Principal DEVICE = principal("d1");
  private static final Principal APP =
      new Principal("mes", "acme", Set.of(Principal.ROLE_APP), Long.MAX_VALUE, null);

  /** Verifies that a device may publish under its own topics. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "devices/d1/telemetry",
        "devices/d1/frames/modbus-v2",
        "devices/d1/commands/reboot/response",
        "devices/d1/" // an empty last level is still its own namespace
      })
  void devicePublishesUnderItsOwnTopics(String topic) {
    assertThat(ACL.mayPublish(DEVICE, topic)).isTrue();
  }

  /** Verifies that a device may not publish to other devices' topics or outside devices/. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "devices/d2/telemetry",
        "devices/d10/telemetry",
        "devices/d/telemetry",
        "devices/D1/telemetry", // topic levels are case-sensitive (MQTT 5.0 §4.7.3)
        "devices/d1", // too few levels
        "devices",
        "d1/telemetry",
        "spBv1.0/plant/DDATA/edge1/d1",
        "Devices/d1/telemetry",
        "/devices/d1/telemetry",
        "devices//d1/telemetry",
        ""
      })
  void devicePublishesNowhereElse(String topic) {
    assertThat(ACL.mayPublish(DEVICE, topic)).isFalse();
  }

  /** Verifies that a device may subscribe to its own commands only. */
  @ParameterizedTest
  @ValueSource(
      strings = {"devices/d1/commands/#", "devices/d1/commands/+", "devices/d1/commands/reboot"})
  void deviceSubscribesToItsOwnCommands(String filter) {
    assertThat(ACL.maySubscribe(DEVICE, filter)).isTrue();
  }

  /** Verifies that a device may not subscribe with wildcards reaching beyond its own commands. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "devices/+/telemetry",
        "devices/+/commands/#",
        "devices/d2/commands/#",
        "devices/d1/telemetry",
        "devices/d1/#",
        "devices/d1/+/reboot",
        "devices/d1/commands", // too few levels: commands live below commands/
        "devices/d1",
        "devices/#",
        "+/d1/commands/#",
        "#",
        "+",
        ""
      })
  void deviceSubscribesNowhereElse(String filter) {
    assertThat(ACL.maySubscribe(DEVICE, filter)).isFalse();
  }

  /** Verifies that an application (role app) may publish and subscribe anywhere. */
  @ParameterizedTest
  @ValueSource(strings = {"#", "devices/+/telemetry", "devices/d1/commands/reboot", "a/b"})
  void applicationMayUseAnyTopic(String topic) {
    assertThat(ACL.maySubscribe(APP, topic)).isTrue();
    assertThat(ACL.mayPublish(APP, topic)).isTrue();
  }

  /** Verifies that roles other than app give a device no extra rights. */
  @Test
  void otherRolesGiveNoExtraRights() {
    Principal operator = new Principal("d1", "acme", Set.of("ops"), Long.MAX_VALUE, null);

    assertThat(ACL.maySubscribe(operator, "#")).isFalse();
    assertThat(ACL.maySubscribe(operator, "devices/d1/commands/#")).isTrue();
  }

  /** Verifies that a device whose id is a wildcard or holds a separator may do nothing. */
  @ParameterizedTest
  @ValueSource(strings = {"+", "#", "a/b", "d1/commands"})
  void deviceWithWildcardIdMayDoNothing(String id) {
    Principal odd = principal(id);

    assertThat(ACL.maySubscribe(odd, "devices/" + id + "/commands/#")).isFalse();
    assertThat(ACL.maySubscribe(odd, "devices/+/commands/#")).isFalse();
    assertThat(ACL.mayPublish(odd, "devices/" + id + "/telemetry")).isFalse();
  }

  /** Verifies which ids can stand as one topic level. */
  @Test
  void topicLevelIds() {
    assertThat(TopicAcl.isTopicLevel("press-7")).isTrue();
    assertThat(TopicAcl.isTopicLevel("Presse Nr. 7 ü")).isTrue();
    assertThat(TopicAcl.isTopicLevel("")).isFalse();
    assertThat(TopicAcl.isTopicLevel("a\u0000b")).isFalse();
  }

  /** Verifies that an edge node ({group}:{edge}) publishes its own Sparkplug topics only. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "spBv1.0/g1/NBIRTH/e1, true",
    "spBv1.0/g1/NDATA/e1, true",
    "spBv1.0/g1/DDATA/e1/pump, true",
    "spBv1.0/g1/DBIRTH/e1/pump, true",
    "spBv1.0/g1/NDEATH/e1, true",
    "spBv1.0/g1/NCMD/e1, false",
    "spBv1.0/g1/NDATA/e2, false",
    "spBv1.0/g2/NDATA/e1, false",
    "spBv1.0/STATE/host, false",
    "spBv1.0/g1/DDATA/e1/pump/extra, false",
    "devices/g1:e1/telemetry, true"
  })
  void edgeNodePublishesItsOwnSparkplugTopics(String topic, boolean allowed) {
    assertThat(ACL.mayPublish(principal("g1:e1"), topic)).isEqualTo(allowed);
  }

  /** Verifies that an edge node receives its own NCMD/DCMD and host STATE, and nothing else. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "spBv1.0/g1/NCMD/e1, true",
    "spBv1.0/g1/DCMD/e1/#, true",
    "spBv1.0/g1/DCMD/e1/+, true",
    "spBv1.0/STATE/+, true",
    "spBv1.0/g1/NCMD/e2, false",
    "spBv1.0/g1/+/e1, false",
    "spBv1.0/g1/NDATA/e1, false",
    "spBv1.0/#, false"
  })
  void edgeNodeSubscribesToItsOwnCommands(String filter, boolean allowed) {
    assertThat(ACL.maySubscribe(principal("g1:e1"), filter)).isEqualTo(allowed);
  }

  /** Verifies that the Sparkplug claims name the edge node when the subject does not. */
  @Test
  void sparkplugClaimsNameTheEdgeNode() {
    Principal gateway =
        new Principal(
            "gw-7",
            "acme",
            Set.of(),
            Long.MAX_VALUE,
            null,
            null,
            Set.of(),
            java.util.Map.of(Principal.SPARKPLUG_GROUP, "g1", Principal.SPARKPLUG_EDGE_NODE, "e1"));
    assertThat(ACL.mayPublish(gateway, "spBv1.0/g1/NBIRTH/e1")).isTrue();
    assertThat(ACL.mayPublish(principal("d1"), "spBv1.0/g1/NBIRTH/e1")).isFalse();
    assertThat(ACL.mayPublish(principal("g1:"), "spBv1.0/g1/NBIRTH/")).isFalse();
  }

  private static Principal principal(String subject) {
    return new Principal(subject, "acme", Set.of(), Long.MAX_VALUE, "jti-1");
  }
}
