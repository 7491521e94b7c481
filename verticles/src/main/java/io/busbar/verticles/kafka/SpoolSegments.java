package io.busbar.verticles.kafka;

import io.busbar.codecs.journal.Journal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The on-disk side of the Kafka sink's spool: every spooled record is appended to a segment file
 * before or while it is sent, and forgotten once Kafka acknowledged it, so records not yet
 * delivered survive a stop, kill -9 or a crash of the node and are sent by the next sink on the
 * same directory.
 *
 * <p>Files: {@code spool-<first sequence>.seg} holds CRC-framed records ({@link Journal}, {@link
 * SpooledRecordCodec}) in sequence order; beside it {@code spool-<first sequence>.ack} holds
 * CRC-framed lists of the sequences delivered (or refused for good) from that segment. A new
 * segment starts once the current one reaches {@code segmentBytes}, and on every open (so a torn
 * tail is never followed by new records). A segment whose every record is acknowledged is deleted
 * with its ack file, unless it is the one being appended to. Recovery replays each segment up to
 * its first torn or corrupt record, drops the acknowledged ones and returns the rest in order.
 *
 * <p>Delivery is at least once: a record delivered just before a crash, whose acknowledgement had
 * not reached its ack file, is sent again (consumers can tell by its CloudEvents {@code ce_id}).
 *
 * <p>Threads: blocking file I/O. One thread at a time (the sink's spool writer, an ordered worker
 * executor); nothing here is thread-safe.
 */
final class SpoolSegments implements AutoCloseable {

  private static final String PREFIX = "spool-";
  private static final String SEGMENT = ".seg";
  private static final String ACKS = ".ack";

  /** One segment file and what is known of it. */
  private static final class Segment {
    final long firstSequence;
    final Path file;
    final Path ackFile;
    FileChannel out;
    FileChannel ackOut;
    long bytes;
    long pending;

    Segment(Path dir, long firstSequence) {
      this.firstSequence = firstSequence;
      String name = PREFIX + String.format("%019d", firstSequence);
      this.file = dir.resolve(name + SEGMENT);
      this.ackFile = dir.resolve(name + ACKS);
    }
  }

  private final Path dir;
  private final long segmentBytes;
  private final SpoolFsync fsync;
  private final long fsyncIntervalNanos;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private FileChannel lockFile;
  private FileLock lock;
  private Segment active;
  private int undecodable;
  private long lastSequence = -1;
  private boolean dirty;
  private long lastSync = System.nanoTime();

  private SpoolSegments(Path dir, long segmentBytes, SpoolFsync fsync, Duration fsyncInterval) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.fsync = fsync;
    this.fsyncIntervalNanos = fsyncInterval.toNanos();
  }

  /**
   * Opens the directory (created if missing) and recovers the records not yet delivered.
   *
   * @param recovered receives them, oldest first
   * @throws IOException if the directory cannot be created or read
   */
  static SpoolSegments open(
      Path dir,
      long segmentBytes,
      SpoolFsync fsync,
      Duration fsyncInterval,
      List<SpooledRecordCodec.Spooled> recovered)
      throws IOException {
    Files.createDirectories(dir);
    SpoolSegments segments = new SpoolSegments(dir, segmentBytes, fsync, fsyncInterval);
    segments.lock();
    try {
      segments.recover(recovered);
    } catch (IOException | RuntimeException e) {
      segments.unlock();
      throw e;
    }
    return segments;
  }

  /** One sink per directory: a second one (this JVM or another) would send everything twice. */
  private void lock() throws IOException {
    lockFile =
        FileChannel.open(
            dir.resolve("spool.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      lock = lockFile.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockFile.close();
      throw new IOException("spool directory " + dir + " is in use by another Kafka sink");
    }
  }

  private void unlock() throws IOException {
    if (lock != null) {
      lock.release();
      lock = null;
    }
    if (lockFile != null) {
      lockFile.close();
      lockFile = null;
    }
  }

  private void recover(List<SpooledRecordCodec.Spooled> recovered) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files =
          list.filter(
                  p -> {
                    String name = p.getFileName().toString();
                    return name.startsWith(PREFIX) && name.endsWith(SEGMENT);
                  })
              .sorted()
              .toList();
    }
    for (Path file : files) {
      String name = file.getFileName().toString();
      long first;
      try {
        first = Long.parseLong(name.substring(PREFIX.length(), name.length() - SEGMENT.length()));
      } catch (NumberFormatException e) {
        continue; // not ours
      }
      Segment segment = new Segment(dir, first);
      Set<Long> acked = new HashSet<>();
      if (Files.exists(segment.ackFile)) {
        Journal.replay(
            segment.ackFile,
            body -> {
              ByteBuffer b = ByteBuffer.wrap(body);
              while (b.remaining() >= Long.BYTES) {
                acked.add(b.getLong());
              }
            });
      }
      List<SpooledRecordCodec.Spooled> pending = new ArrayList<>();
      Journal.replay(
          file,
          body -> {
            try {
              SpooledRecordCodec.Spooled spooled = SpooledRecordCodec.decode(body);
              lastSequence = Math.max(lastSequence, spooled.sequence());
              if (!acked.contains(spooled.sequence())) {
                pending.add(spooled);
              }
            } catch (IOException e) {
              // intact frame, unknown content (another version): skipped, counted by the caller
              undecodable++;
            }
          });
      if (pending.isEmpty()) {
        delete(segment);
        continue;
      }
      segment.pending = pending.size();
      segment.bytes = Files.size(file);
      segments.put(first, segment);
      recovered.addAll(pending);
    }
  }

  /**
   * Appends records (in sequence order, after every sequence appended so far) and forces them to
   * disk as the fsync policy says.
   *
   * @throws IOException if the file cannot be written (e.g. the disk is full)
   */
  void append(List<SpooledRecordCodec.Spooled> records) throws IOException {
    for (SpooledRecordCodec.Spooled r : records) {
      if (active == null || active.bytes >= segmentBytes) {
        roll(r.sequence());
      }
      ByteBuffer framed = Journal.frame(SpooledRecordCodec.encode(r.sequence(), r.record()));
      active.bytes += framed.remaining();
      while (framed.hasRemaining()) {
        active.out.write(framed);
      }
      active.pending++;
      dirty = true;
    }
    if (fsync == SpoolFsync.ALWAYS
        || (fsync == SpoolFsync.INTERVAL && System.nanoTime() - lastSync >= fsyncIntervalNanos)) {
      sync();
    }
  }

  /** Starts a new segment at {@code firstSequence}; the old one is deleted if all delivered. */
  private void roll(long firstSequence) throws IOException {
    Segment old = active;
    if (old != null) {
      if (dirty) {
        old.out.force(false);
      }
      old.out.close();
      old.out = null;
      if (old.pending == 0) {
        delete(old);
        segments.remove(old.firstSequence);
      }
    }
    Segment segment = new Segment(dir, firstSequence);
    segment.out =
        FileChannel.open(
            segment.file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    segments.put(firstSequence, segment);
    active = segment;
  }

  /**
   * Records that these sequences left the spool (delivered, or refused for good); deletes every
   * segment, but the one being appended to, with nothing left to deliver.
   */
  void acknowledge(long[] sequences) throws IOException {
    Map<Segment, List<Long>> bySegment = new java.util.LinkedHashMap<>();
    for (long sequence : sequences) {
      Map.Entry<Long, Segment> entry = segments.floorEntry(sequence);
      if (entry != null) {
        bySegment.computeIfAbsent(entry.getValue(), s -> new ArrayList<>()).add(sequence);
      }
    }
    for (Map.Entry<Segment, List<Long>> e : bySegment.entrySet()) {
      Segment segment = e.getKey();
      segment.pending -= e.getValue().size();
      if (segment.pending <= 0 && segment != active) {
        closeAcks(segment);
        delete(segment);
        segments.remove(segment.firstSequence);
        continue;
      }
      if (segment.ackOut == null) {
        segment.ackOut =
            FileChannel.open(
                segment.ackFile,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
      }
      ByteBuffer body = ByteBuffer.allocate(e.getValue().size() * Long.BYTES);
      e.getValue().forEach(body::putLong);
      Journal.write(segment.ackOut, body.array());
    }
  }

  /** Forces appended records to the device (acknowledgements are not forced: at least once). */
  void sync() throws IOException {
    if (dirty && active != null && active.out != null) {
      active.out.force(false);
    }
    dirty = false;
    lastSync = System.nanoTime();
  }

  /** The highest sequence found on recovery, delivered or not; {@code -1} if none. */
  long lastSequence() {
    return lastSequence;
  }

  /** Records found intact on recovery but not readable as spooled records (skipped). */
  int undecodable() {
    return undecodable;
  }

  /** Segment files on disk, for the gauge and tests. */
  int segmentCount() {
    return segments.size();
  }

  /** Bytes of segment files on disk (without ack files). */
  long bytes() {
    long total = 0;
    for (Segment s : segments.values()) {
      total += s.bytes;
    }
    return total;
  }

  /** Forces and closes the files; a fully delivered last segment is deleted. */
  @Override
  public void close() throws IOException {
    if (fsync != SpoolFsync.NEVER) {
      sync();
    }
    for (Segment segment : new ArrayList<>(segments.values())) {
      if (segment.out != null) {
        segment.out.close();
        segment.out = null;
      }
      closeAcks(segment);
      if (segment.pending <= 0) {
        delete(segment);
        segments.remove(segment.firstSequence);
      }
    }
    active = null;
    unlock();
  }

  private static void closeAcks(Segment segment) throws IOException {
    if (segment.ackOut != null) {
      segment.ackOut.close();
      segment.ackOut = null;
    }
  }

  private static void delete(Segment segment) throws IOException {
    if (segment.out != null) {
      segment.out.close();
      segment.out = null;
    }
    Files.deleteIfExists(segment.ackFile);
    Files.deleteIfExists(segment.file);
  }

  /** Spooled records as the segments take them. */
  static List<SpooledRecordCodec.Spooled> of(List<Spool.Entry<ProducerRecord<String, byte[]>>> e) {
    List<SpooledRecordCodec.Spooled> records = new ArrayList<>(e.size());
    e.forEach(entry -> records.add(new SpooledRecordCodec.Spooled(entry.sequence(), entry.item())));
    return records;
  }
}
