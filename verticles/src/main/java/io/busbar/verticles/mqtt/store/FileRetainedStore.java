package io.busbar.verticles.mqtt.store;

import io.busbar.codecs.journal.Journal;
import io.busbar.verticles.mqtt.session.MemoryRetainedStore;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.RetainedStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retained messages that survive a restart and a {@code kill -9}: held in memory, every change
 * appended to {@code retained.log} by a writer thread that forces each batch to disk (group
 * commit). The future of {@link #put} completes, on the broker's context, only after the write is
 * on disk, so a publisher's PUBACK can wait for it.
 *
 * <p>Guarantee: a retained change whose future completed survives a crash of the process or the
 * machine (as far as {@code fsync} holds); one whose future had not completed may be lost, never
 * half-applied (records carry a CRC32; a torn tail is cut at the next open). The log is compacted
 * into a snapshot of the live messages at every open and after every 64 MiB of appends.
 */
public final class FileRetainedStore implements RetainedStore {

  private static final Logger LOG = LoggerFactory.getLogger(FileRetainedStore.class);
  static final String FILE = "retained.log";

  private final MemoryRetainedStore memory;
  private final JournalWriter journal;
  private final long compactAfterBytes;

  private FileRetainedStore(
      MemoryRetainedStore memory, JournalWriter journal, long compactAfterBytes) {
    this.memory = memory;
    this.journal = journal;
    this.compactAfterBytes = compactAfterBytes;
  }

  /**
   * Opens the store in {@code dir}: replays the journal (stopping at a torn or corrupt tail), drops
   * expired messages and rewrites the journal as a snapshot. <b>Blocking</b>: call from a worker.
   *
   * @param context where the futures of {@link #put} complete: the broker verticle's context
   * @throws UncheckedIOException when the directory or journal cannot be read or written
   */
  public static FileRetainedStore open(Path dir, Context context) {
    return open(dir, context, COMPACT_AFTER_BYTES);
  }

  /** As {@link #open(Path, Context)}, compacting after {@code compactAfterBytes} of appends. */
  static FileRetainedStore open(Path dir, Context context, long compactAfterBytes) {
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve(FILE);
      MemoryRetainedStore memory = new MemoryRetainedStore();
      if (Files.exists(log)) {
        int records = Journal.replay(log, bytes -> memory.put(RecordCodec.decode(bytes)));
        LOG.info(
            "retained store: {} records replayed, {} retained messages", records, memory.size());
      }
      long now = System.currentTimeMillis();
      List<byte[]> snapshot = new ArrayList<>();
      for (Message m : memory.all()) {
        if (!m.isExpired(now)) {
          snapshot.add(RecordCodec.encode(m));
        }
      }
      JournalWriter.writeSnapshot(log, snapshot);
      return new FileRetainedStore(
          memory, new JournalWriter(log, context, "busbar-retained-writer"), compactAfterBytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open retained store in " + dir, e);
    }
  }

  @Override
  public Future<Void> put(Message message) {
    memory.put(message);
    if (message.topic().startsWith("$SYS/")) {
      return Future.succeededFuture(); // broker statistics are republished, not worth a write
    }
    Future<Void> written = journal.append(RecordCodec.encode(message));
    if (journal.bytesSinceRewrite() > compactAfterBytes) {
      List<byte[]> snapshot = new ArrayList<>();
      memory.all().forEach(m -> snapshot.add(RecordCodec.encode(m)));
      journal.rewrite(snapshot);
    }
    return written;
  }

  /** Journal growth after which the live messages are rewritten as a fresh snapshot. */
  static final long COMPACT_AFTER_BYTES = 64L * 1024 * 1024;

  @Override
  public List<Message> matching(String tenant, String filter) {
    return memory.matching(tenant, filter);
  }

  @Override
  public boolean has(String tenant, String topic) {
    return memory.has(tenant, topic);
  }

  @Override
  public int size() {
    return memory.size();
  }

  @Override
  public Future<Void> close() {
    return journal.close();
  }
}
