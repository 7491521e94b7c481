package io.busbar.codecs.sparkplug;

import static io.busbar.codecs.sparkplug.Payloads.bdSeq;
import static io.busbar.codecs.sparkplug.Payloads.metric;
import static io.busbar.codecs.sparkplug.Payloads.payload;
import static org.assertj.core.api.Assertions.assertThat;

import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.Event;
import io.busbar.codecs.model.MessageContext;
import io.busbar.codecs.model.Quality;
import io.busbar.codecs.model.Value;
import java.util.List;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The host's session logic (Sparkplug 3.0 §5, §7), message by message, with explicit times. */
@Timeout(10)
class SparkplugHostStateTest {

  private static final long WINDOW = 500;
  private static final long INTERVAL = 5_000;

  private final SparkplugHostState host = new SparkplugHostState(WINDOW, INTERVAL);

  private Reception send(String type, String device, long at, Payload p) {
    String topic = "spBv1.0/g/" + type + "/e" + (device == null ? "" : "/" + device);
    return host.receive(
        SparkplugTopic.parse(topic).orElseThrow(),
        p,
        new MessageContext("acme", "x", topic, at, null));
  }

  private static List<Event> events(Reception r) {
    assertThat(r.result()).isInstanceOf(DecodeResult.Decoded.class);
    return ((DecodeResult.Decoded) r.result()).events();
  }

  private static String reason(Reception r) {
    assertThat(r.result()).isInstanceOf(DecodeResult.Rejected.class);
    return ((DecodeResult.Rejected) r.result()).reason();
  }

  private static Payload nbirth(long bd) {
    return payload(
        1_000,
        0L,
        bdSeq(bd),
        metric("Node Control/Rebirth", 1, DataType.Boolean).setBooleanValue(false).build(),
        metric("Line/Speed", 2, DataType.Double).setDoubleValue(1.0).build());
  }

  private static Payload dbirth(long seq) {
    return payload(
        1_001,
        seq,
        metric("Temperature", 10, DataType.Float).setFloatValue(20f).build(),
        metric("Running", 11, DataType.Boolean).setBooleanValue(true).build());
  }

  private static Payload ddata(long seq, float temperature) {
    return payload(
        1_002,
        seq,
        metric(null, 10, DataType.Float).setFloatValue(temperature).build(),
        metric(null, 11, DataType.Boolean).setBooleanValue(false).build());
  }

  /**
   * Verifies the session of the issue: NBIRTH → DBIRTH → DDATA by alias → seq gap → one debounced
   * rebirth request → NBIRTH → NDEATH, with online state and stale marking.
   */
  @Test
  void birthDataGapRebirthDeath() {
    Reception birth = send("NBIRTH", null, 10, nbirth(0));
    assertThat(events(birth)).extracting(Event::metric).contains("Line/Speed", "bdSeq");
    assertThat(birth.changes()).containsExactly(new NodeStatus("g:e", true, 10, "NBIRTH bdSeq=0"));
    assertThat(events(send("DBIRTH", "press", 11, dbirth(1)))).hasSize(2);
    assertThat(host.status("g:e:press")).hasValueSatisfying(s -> assertThat(s.online()).isTrue());

    List<Event> data = events(send("DDATA", "press", 12, ddata(2, 21.5f)));
    assertThat(data)
        .containsExactly(
            new Event(
                "acme",
                "g:e:press",
                "Temperature",
                1_002,
                Value.of(21.5),
                Quality.GOOD,
                null,
                "spBv1.0/g/DDATA/e/press"),
            new Event(
                "acme",
                "g:e:press",
                "Running",
                1_002,
                Value.of(false),
                Quality.GOOD,
                null,
                "spBv1.0/g/DDATA/e/press"));
    assertThat(host.dueRebirths(10_000)).isEmpty();

    // seq 3 is lost: data is kept but marked stale, and a rebirth is decided
    List<Event> afterGap = events(send("DDATA", "press", 20, ddata(4, 22f)));
    assertThat(afterGap).allMatch(e -> e.quality() == Quality.STALE);
    assertThat(host.dueRebirths(20 + WINDOW - 1)).isEmpty(); // reorder window
    List<RebirthRequest> due = host.dueRebirths(20 + WINDOW);
    assertThat(due).containsExactly(new RebirthRequest("g", "e", "seq gap: expected 3, got 4"));
    assertThat(host.dueRebirths(20 + WINDOW + 1)).isEmpty(); // debounced
    assertThat(events(send("DDATA", "press", 30, ddata(5, 22f))))
        .allMatch(e -> e.quality() == Quality.STALE);
    assertThat(host.dueRebirths(20 + WINDOW + INTERVAL))
        .hasSize(1); // asked again after the interval

    // the rebirth: NBIRTH then DBIRTH, data is GOOD again
    events(send("NBIRTH", null, 40, nbirth(1)));
    events(send("DBIRTH", "press", 41, dbirth(1)));
    assertThat(events(send("DDATA", "press", 42, ddata(2, 23f))))
        .allMatch(e -> e.quality() == Quality.GOOD);
    assertThat(host.dueRebirths(100_000)).isEmpty();

    // an old session's will (bdSeq 0) does not kill the current one (bdSeq 1), §6.4.21
    assertThat(events(send("NDEATH", null, 50, payload(0, null, bdSeq(0))))).isEmpty();
    assertThat(host.status("g:e")).hasValueSatisfying(s -> assertThat(s.online()).isTrue());

    Reception death = send("NDEATH", null, 60, payload(0, null, bdSeq(1)));
    assertThat(events(death))
        .isNotEmpty()
        .allMatch(e -> e.quality() == Quality.STALE)
        .anyMatch(e -> e.deviceId().equals("g:e:press") && e.value().equals(Value.of(23.0)));
    assertThat(death.changes()).extracting(NodeStatus::online).containsOnly(false);
    assertThat(host.status("g:e:press")).hasValueSatisfying(s -> assertThat(s.online()).isFalse());
    assertThat(host.status("g:e")).hasValue(new NodeStatus("g:e", false, 60, "offline"));
  }

  /**
   * Verifies that data before NBIRTH is kept stale (named) or a dead letter (aliases), and that a
   * late NBIRTH within the reorder window cancels the rebirth.
   */
  @Test
  void dataBeforeBirthIsStaleOrDeadLetterNeverDropped() {
    Payload named =
        payload(5, 7L, metric("Line/Speed", -1, DataType.Double).setDoubleValue(3).build());
    assertThat(events(send("NDATA", null, 100, named)))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.quality()).isEqualTo(Quality.STALE);
              assertThat(e.value()).isEqualTo(Value.of(3.0));
            });
    Payload aliased = payload(5, 8L, metric(null, 2, DataType.Double).setDoubleValue(3).build());
    assertThat(reason(send("NDATA", null, 101, aliased)))
        .isEqualTo(
            "NDATA of g:e: alias [2] not declared by a birth certificate; rebirth requested");
    // the NBIRTH arrives within the reorder window: no rebirth is sent
    send("NBIRTH", null, 100 + WINDOW - 10, nbirth(4));
    assertThat(host.dueRebirths(100 + WINDOW * 10)).isEmpty();
  }

  /** Verifies that a DBIRTH overtaking its NBIRTH is kept when the NBIRTH follows. */
  @Test
  void deviceBirthBeforeNodeBirthIsKept() {
    assertThat(events(send("DBIRTH", "press", 10, dbirth(1))))
        .allMatch(e -> e.quality() == Quality.STALE);
    send("NBIRTH", null, 11, nbirth(0));
    // seq restarts from the NBIRTH: 1 follows 0
    assertThat(events(send("DDATA", "press", 12, ddata(1, 30f))))
        .allMatch(e -> e.quality() == Quality.GOOD);
    assertThat(host.dueRebirths(10_000)).isEmpty();
  }

  /** Verifies that an NDEATH overtaking its in-flight NBIRTH leaves the node offline. */
  @Test
  void deathOvertakingItsBirthWins() {
    send("NDEATH", null, 10, payload(0, null, bdSeq(9)));
    Reception late = send("NBIRTH", null, 11, nbirth(9));
    assertThat(events(late)).allMatch(e -> e.quality() == Quality.STALE);
    assertThat(host.status("g:e")).hasValueSatisfying(s -> assertThat(s.online()).isFalse());
  }

  /** Verifies that DDATA of a device without DBIRTH and an unknown alias ask for a rebirth. */
  @Test
  void unknownAliasAsksForRebirth() {
    send("NBIRTH", null, 10, nbirth(0));
    assertThat(reason(send("DDATA", "ghost", 11, ddata(1, 1f)))).contains("alias [10, 11]");
    assertThat(host.dueRebirths(11 + WINDOW))
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).contains("before its DBIRTH"));
  }

  /** Verifies that seq wraps from 255 to 0 without a gap (§6.4.20). */
  @Test
  void seqWrapsAt256() {
    send(
        "NBIRTH",
        null,
        10,
        payload(1, 254L, bdSeq(0), metric("x", 1, DataType.Int32).setIntValue(1).build()));
    Payload d255 = payload(1, 255L, metric(null, 1, DataType.Int32).setIntValue(2).build());
    Payload d0 = payload(1, 0L, metric(null, 1, DataType.Int32).setIntValue(3).build());
    assertThat(events(send("NDATA", null, 11, d255))).allMatch(e -> e.quality() == Quality.GOOD);
    assertThat(events(send("NDATA", null, 12, d0))).allMatch(e -> e.quality() == Quality.GOOD);
    assertThat(host.datatype("g", "e", null, "x")).contains(DataType.Int32);
  }
}
