package io.busbar.verticles.mqtt.store;

import io.busbar.verticles.mqtt.session.MemoryRetainedStore;
import io.busbar.verticles.mqtt.session.Message;
import io.busbar.verticles.mqtt.session.RetainedStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retained messages that survive a restart and a {@code kill -9}: held in memory, every change
 * appended to {@code retained.log} by a writer thread that forces each batch to disk (group
 * commit). The future of {@link #put} completes, on the broker's context, only after the write
 * is on disk, so a publisher's PUBACK can wait for it.
 *
 * <p>Guarantee: a retained change whose future completed survives a crash of the process or the
 * machine (as far as {@code fsync} holds); one whose future had not completed may be lost, never
 * half-applied (records carry a CRC32; a torn tail is cut at the next open). The log is compacted
 * into a snapshot of the live messages at every open.
 */
public final class FileRetainedStore implements RetainedStore {

  private static final Logger LOG = LoggerFactory.getLogger(FileRetainedStore.class);
  static final String FILE = "retained.log";

  private record Pending(ByteBuffer record, Promise<Void> done) {}

  private static final Pending STOP = new Pending(ByteBuffer.allocate(0), null);

  private final MemoryRetainedStore memory;
  private final Context context;
  private final FileChannel channel;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;

  private FileRetainedStore(MemoryRetainedStore memory, Context context, FileChannel channel) {
    this.memory = memory;
    this.context = context;
    this.channel = channel;
    this.writer = new Thread(this::writeLoop, "busbar-retained-writer");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * Opens the store in {@code dir}: replays the journal (stopping at a torn or corrupt tail),
   * drops expired messages and rewrites the journal as a snapshot. <b>Blocking</b>: call from a
   * worker.
   *
   * @param context where the futures of {@link #put} complete: the broker verticle's context
   * @throws UncheckedIOException when the directory or journal cannot be read or written
   */
  public static FileRetainedStore open(Path dir, Context context) {
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve(FILE);
      MemoryRetainedStore memory = new MemoryRetainedStore();
      if (Files.exists(log)) {
        int records = Journal.replay(log, bytes -> memory.put(RecordCodec.decode(bytes)));
        LOG.info("retained store: {} records replayed, {} retained messages", records, memory.size());
      }
      long now = System.currentTimeMillis();
      Path tmp = dir.resolve(FILE + ".tmp");
      try (FileChannel out =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        for (Message m : memory.all()) {
          if (!m.isExpired(now)) {
            Journal.write(out, RecordCodec.encode(m));
          }
        }
        out.force(true);
      }
      Files.move(tmp, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      FileChannel channel =
          FileChannel.open(log, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      return new FileRetainedStore(memory, context, channel);
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
    Promise<Void> done = Promise.promise();
    queue.add(new Pending(Journal.frame(RecordCodec.encode(message)), done));
    return done.future();
  }

  @Override
  public List<Message> matching(String tenant, String filter) {
    return memory.matching(tenant, filter);
  }

  @Override
  public int size() {
    return memory.size();
  }

  @Override
  public Future<Void> close() {
    queue.add(STOP);
    return context.executeBlocking(
        () -> {
          writer.join(10_000);
          channel.close();
          return null;
        });
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(queue.take());
        queue.drainTo(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      boolean stop = batch.remove(STOP);
      Throwable failure = null;
      try {
        for (Pending p : batch) {
          ByteBuffer b = p.record();
          while (b.hasRemaining()) {
            channel.write(b);
          }
        }
        if (!batch.isEmpty()) {
          channel.force(false);
        }
      } catch (IOException | RuntimeException e) {
        LOG.error("retained store write failed", e);
        failure = e;
      }
      List<Pending> done = List.copyOf(batch);
      Throwable cause = failure;
      if (!done.isEmpty()) {
        context.runOnContext(
            v -> done.forEach(p -> {
              if (cause == null) {
                p.done().tryComplete();
              } else {
                p.done().tryFail(cause);
              }
            }));
      }
      batch.clear();
      if (stop) {
        return;
      }
    }
  }
}
