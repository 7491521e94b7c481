package io.busbar.verticles.mqtt.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PostOfficeTest {

  private final SessionRegistry sessions = new SessionRegistry();
  private final PostOffice office = new PostOffice(sessions, new MemoryRetainedStore());

  private Session connected(String tenant, String id, SessionTest.RecordingOutlet out) {
    Session s = new Session(tenant, id, 10, QueuePolicy.DROP_NEWEST, d -> {});
    sessions.put(s);
    s.attach(out, 100);
    return s;
  }

  private static Message message(
      String tenant, String topic, int qos, boolean retain, String payload) {
    return new Message(
        tenant,
        topic,
        Buffer.buffer(payload),
        qos,
        retain,
        MqttProperties.NO_PROPERTIES,
        "pub",
        Long.MAX_VALUE);
  }

  /** Verifies that overlapping subscriptions deliver once at the highest granted QoS. */
  @Test
  void overlappingSubscriptionsDeliverOnce() {
    SessionTest.RecordingOutlet out = new SessionTest.RecordingOutlet();
    Session s = connected("t", "c1", out);
    office.subscribe(s, Subscription.of("a/+", 0));
    office.subscribe(s, Subscription.of("a/#", 1));
    assertThat(office.publish(message("t", "a/b", 1, false, "x"))).isEqualTo(1);
    assertThat(out.sent).containsExactly("1:x");
  }

  /** Verifies that tenants do not see each other's messages or retained messages. */
  @Test
  void tenantsAreSeparate() {
    SessionTest.RecordingOutlet out = new SessionTest.RecordingOutlet();
    Session other = connected("t2", "c1", out);
    office.subscribe(other, Subscription.of("#", 1));
    assertThat(office.publish(message("t1", "a", 1, true, "x"))).isZero();
    assertThat(out.sent).isEmpty();
    assertThat(office.retainedFor("t2", "#")).isEmpty();
    assertThat(office.retainedFor("t1", "#")).hasSize(1);
  }

  /** Verifies round-robin delivery within a share group, skipping members that are away. */
  @Test
  void sharedGroupsRoundRobin() {
    SessionTest.RecordingOutlet o1 = new SessionTest.RecordingOutlet();
    SessionTest.RecordingOutlet o2 = new SessionTest.RecordingOutlet();
    Session s1 = connected("t", "m1", o1);
    Session s2 = connected("t", "m2", o2);
    office.subscribe(s1, Subscription.of("$share/g/jobs/+", 1));
    office.subscribe(s2, Subscription.of("$share/g/jobs/+", 1));
    for (int i = 0; i < 4; i++) {
      office.publish(message("t", "jobs/x", 1, false, "j" + i));
    }
    assertThat(o1.sent).hasSize(2);
    assertThat(o2.sent).hasSize(2);
    s2.detach(o2);
    office.publish(message("t", "jobs/x", 1, false, "only-m1"));
    office.publish(message("t", "jobs/x", 1, false, "only-m1-again"));
    assertThat(o1.sent).hasSize(4);
    assertThat(office.retainedFor("t", "$share/g/jobs/+")).isEmpty();
  }

  /** Verifies that unsubscribing removes routing, and unsubscribeAll clears a session. */
  @Test
  void unsubscribes() {
    SessionTest.RecordingOutlet out = new SessionTest.RecordingOutlet();
    Session s = connected("t", "c1", out);
    office.subscribe(s, Subscription.of("a", 0));
    office.subscribe(s, Subscription.of("b", 0));
    assertThat(office.unsubscribe(s, "a")).isTrue();
    assertThat(office.unsubscribe(s, "a")).isFalse();
    office.unsubscribeAll(s);
    assertThat(office.subscriptionCount()).isZero();
    assertThat(office.publish(message("t", "b", 0, false, "x"))).isZero();
    assertThat(List.copyOf(out.sent)).isEmpty();
  }

  /** Verifies that a leaving share-group member's unacknowledged messages go to another member. */
  @Test
  void redeliversSharedWhenMemberLeaves() {
    SessionTest.RecordingOutlet o1 = new SessionTest.RecordingOutlet();
    SessionTest.RecordingOutlet o2 = new SessionTest.RecordingOutlet();
    Session s1 = connected("t", "m1", o1);
    Session s2 = connected("t", "m2", o2);
    office.subscribe(s1, Subscription.of("$share/g/jobs", 1));
    office.subscribe(s2, Subscription.of("$share/g/jobs", 1));
    office.publish(message("t", "jobs", 1, false, "a"));
    office.publish(message("t", "jobs", 1, false, "b"));
    Session leaving = o1.sent.size() == 1 ? s1 : s2;
    SessionTest.RecordingOutlet staying = leaving == s1 ? o2 : o1;
    assertThat(staying.sent).hasSize(1);
    office.unsubscribeAll(leaving);
    assertThat(office.redeliverShared("t", leaving.clearMessages())).isEqualTo(1);
    assertThat(staying.sent).hasSize(2);
  }

  /** Verifies the retained cap: new topics beyond it are routed but not kept; replacing is fine. */
  @Test
  void capsRetainedMessages() {
    PostOffice small = new PostOffice(sessions, new MemoryRetainedStore(), 2);
    small.publish(message("t", "r/1", 0, true, "a"));
    small.publish(message("t", "r/2", 0, true, "b"));
    small.publish(message("t", "r/3", 0, true, "c"));
    small.publish(message("t", "r/1", 0, true, "a2"));
    assertThat(small.retained().size()).isEqualTo(2);
    assertThat(small.retainedRefused()).isEqualTo(1);
    assertThat(small.retainedFor("t", "r/1").get(0).payload().toString()).isEqualTo("a2");
  }
}
