package io.busbar.security.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.busbar.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Topic templates from config: placeholders, deny lists, kinds, and errors naming the key. */
@Timeout(10)
class TopicAclTemplatesTest {

  private static final Principal DEVICE =
      new Principal("press-1", "acme", Set.of(), Long.MAX_VALUE, null);
  private static final Principal ANONYMOUS = Principal.anonymous("kiosk", "public");

  private static TopicAcl acl(Map<String, Object> section) {
    return TopicAcl.fromConfig(section);
  }

  /** Verifies that an extra device template with {tenant} and {sub} is granted, others kept. */
  @Test
  void extraDeviceTopic() {
    TopicAcl acl =
        acl(
            Map.of(
                "device",
                Map.of("publish", List.of("devices/{sub}/#", "plant/{tenant}/notices/{sub}"))));
    assertThat(acl.mayPublish(DEVICE, "plant/acme/notices/press-1")).isTrue();
    assertThat(acl.mayPublish(DEVICE, "plant/other/notices/press-1")).isFalse();
    assertThat(acl.mayPublish(DEVICE, "devices/press-1/t")).isTrue();
    // subscribe was left out: the default stays
    assertThat(acl.maySubscribe(DEVICE, "devices/press-1/commands/#")).isTrue();
  }

  /** Verifies that a deny of the anonymous kind narrows the device rules for anonymous only. */
  @Test
  void denyWinsForItsKindOnly() {
    TopicAcl acl =
        acl(Map.of("anonymous", Map.of("deny-publish", List.of("devices/{sub}/secrets/#"))));
    assertThat(acl.mayPublish(ANONYMOUS, "devices/kiosk/t")).isTrue();
    assertThat(acl.mayPublish(ANONYMOUS, "devices/kiosk/secrets/k")).isFalse();
    assertThat(acl.mayPublish(DEVICE, "devices/press-1/secrets/k")).isTrue();
  }

  /**
   * Verifies that "+" in a subscribe template does not grant a "#" level, and "#" needs a level.
   */
  @Test
  void wildcardsInTemplates() {
    TopicAcl acl = acl(Map.of("device", Map.of("subscribe", List.of("site/+/status"))));
    assertThat(acl.maySubscribe(DEVICE, "site/a/status")).isTrue();
    assertThat(acl.maySubscribe(DEVICE, "site/+/status")).isTrue();
    assertThat(acl.maySubscribe(DEVICE, "site/#")).isFalse();
    assertThat(acl.mayPublish(DEVICE, "devices/press-1")).isFalse(); // default: "#" needs a level
  }

  /** Verifies that a template whose placeholder the principal lacks allows nothing. */
  @Test
  void missingPlaceholderAllowsNothing() {
    TopicAcl acl = acl(Map.of("device", Map.of("publish", List.of("spBv1.0/{sparkplug_group}/x"))));
    assertThat(acl.mayPublish(DEVICE, "spBv1.0//x")).isFalse();
    assertThat(acl.mayPublish(DEVICE, "spBv1.0/{sparkplug_group}/x")).isFalse();
  }

  /** Verifies that config errors name the key. */
  @Test
  void errorsNameTheKey() {
    assertThatThrownBy(() -> acl(Map.of("device", Map.of("publish", List.of("a/#/b")))))
        .hasMessageContaining("acl.device.publish[0]");
    assertThatThrownBy(() -> acl(Map.of("app", Map.of("subscribe", List.of("#", "x/{user}")))))
        .hasMessageContaining("acl.app.subscribe[1]")
        .hasMessageContaining("{user}");
    assertThatThrownBy(() -> acl(Map.of("robot", Map.of()))).hasMessageContaining("acl.robot");
    assertThatThrownBy(() -> acl(Map.of("device", Map.of("allow", List.of()))))
        .hasMessageContaining("acl.device.allow");
    assertThatThrownBy(() -> acl(Map.of("device", Map.of("publish", "devices/#"))))
        .hasMessageContaining("acl.device.publish");
    assertThatThrownBy(() -> acl(Map.of("device", Map.of("publish", List.of("a+/b")))))
        .hasMessageContaining("acl.device.publish[0]");
  }
}
