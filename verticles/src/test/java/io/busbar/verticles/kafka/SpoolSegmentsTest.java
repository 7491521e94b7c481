package io.busbar.verticles.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk spool's segment files, without Kafka or Vert.x. */
@Timeout(10)
class SpoolSegmentsTest {

  private static ProducerRecord<String, byte[]> record(int i) {
    RecordHeaders headers = new RecordHeaders();
    headers.add("ce_id", ("id-" + i).getBytes(StandardCharsets.UTF_8));
    headers.add("empty", null);
    return new ProducerRecord<>(
        "t",
        null,
        1_000L + i,
        i % 3 == 0 ? null : "dev-" + i,
        ("v" + i).repeat(50).getBytes(),
        headers);
  }

  private static List<SpooledRecordCodec.Spooled> records(int from, int to) {
    List<SpooledRecordCodec.Spooled> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(new SpooledRecordCodec.Spooled(i, record(i)));
    }
    return out;
  }

  private static SpoolSegments open(Path dir, List<SpooledRecordCodec.Spooled> recovered)
      throws Exception {
    return SpoolSegments.open(dir, 4096, SpoolFsync.ALWAYS, Duration.ofSeconds(1), recovered);
  }

  private static List<Path> files(Path dir, String suffix) throws Exception {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
    }
  }

  /**
   * Verifies that a record survives the round trip through a segment whole: topic, key (also null),
   * timestamp, headers (also a null value) and value.
   */
  @Test
  void recordRoundTrip(@TempDir Path dir) throws Exception {
    try (SpoolSegments segments = open(dir, new ArrayList<>())) {
      segments.append(records(0, 2));
    }
    List<SpooledRecordCodec.Spooled> recovered = new ArrayList<>();
    open(dir, recovered).close();

    assertThat(recovered).hasSize(2);
    ProducerRecord<String, byte[]> r0 = recovered.get(0).record();
    assertThat(r0.topic()).isEqualTo("t");
    assertThat(r0.key()).isNull();
    assertThat(r0.timestamp()).isEqualTo(1_000L);
    assertThat(new String(r0.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8))
        .isEqualTo("id-0");
    assertThat(r0.headers().lastHeader("empty").value()).isNull();
    assertThat(r0.value()).isEqualTo(record(0).value());
    assertThat(recovered.get(1).record().key()).isEqualTo("dev-1");
  }

  /**
   * Verifies that acknowledged records are not recovered, that segments whose every record is
   * acknowledged are deleted while the spool runs, and that the rest come back in order.
   */
  @Test
  void acknowledgedRecordsAndSegmentsGo(@TempDir Path dir) throws Exception {
    try (SpoolSegments segments = open(dir, new ArrayList<>())) {
      // ~370 bytes a record, 4 KiB segments: several segments
      segments.append(records(0, 60));
      int before = segments.segmentCount();
      assertThat(before).isGreaterThan(3);
      long[] firstHalf = new long[30];
      for (int i = 0; i < 30; i++) {
        firstHalf[i] = i;
      }
      segments.acknowledge(firstHalf);
      segments.acknowledge(new long[] {45, 47});
      assertThat(segments.segmentCount()).isLessThan(before);
    }
    List<SpooledRecordCodec.Spooled> recovered = new ArrayList<>();
    try (SpoolSegments segments = open(dir, recovered)) {
      assertThat(segments.lastSequence()).isEqualTo(59);
    }
    assertThat(recovered.stream().map(SpooledRecordCodec.Spooled::sequence).toList())
        .hasSize(28)
        .isSorted()
        .doesNotContain(45L, 47L)
        .startsWith(30L, 31L);

    // everything acknowledged: nothing left on disk after close
    try (SpoolSegments segments = open(dir, new ArrayList<>())) {
      segments.acknowledge(
          recovered.stream().mapToLong(SpooledRecordCodec.Spooled::sequence).toArray());
    }
    assertThat(files(dir, ".seg")).isEmpty();
    assertThat(files(dir, ".ack")).isEmpty();
  }

  /**
   * Verifies that a torn or corrupt tail (what a crash mid-write leaves) loses only the torn
   * record: the intact ones before it are recovered, and new records go to a new segment.
   */
  @Test
  void tornTailKeepsIntactRecords(@TempDir Path dir) throws Exception {
    try (SpoolSegments segments =
        SpoolSegments.open(
            dir, 1 << 20, SpoolFsync.NEVER, Duration.ofSeconds(1), new ArrayList<>())) {
      segments.append(records(0, 5));
    }
    Path segment = files(dir, ".seg").get(0);
    byte[] bytes = Files.readAllBytes(segment);
    // cut the last record in half, then add garbage
    Files.write(segment, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    Files.write(segment, new byte[] {0, 0, 0, 9, 1, 2, 3}, StandardOpenOption.APPEND);

    List<SpooledRecordCodec.Spooled> recovered = new ArrayList<>();
    try (SpoolSegments segments = open(dir, recovered)) {
      assertThat(recovered.stream().map(SpooledRecordCodec.Spooled::sequence).toList())
          .containsExactly(0L, 1L, 2L, 3L);
      segments.append(records(5, 6));
    }
    assertThat(files(dir, ".seg")).hasSize(2);
    List<SpooledRecordCodec.Spooled> again = new ArrayList<>();
    open(dir, again).close();
    assertThat(again.stream().map(SpooledRecordCodec.Spooled::sequence).toList())
        .containsExactly(0L, 1L, 2L, 3L, 5L);
  }

  /** Verifies that a second spool on a directory in use is refused, and allowed once closed. */
  @Test
  void oneSpoolPerDirectory(@TempDir Path dir) throws Exception {
    try (SpoolSegments first = open(dir, new ArrayList<>())) {
      assertThatThrownBy(() -> open(dir, new ArrayList<>()))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("in use");
    }
    open(dir, new ArrayList<>()).close();
  }
}
