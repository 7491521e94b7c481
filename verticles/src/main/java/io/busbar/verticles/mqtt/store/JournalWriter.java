package io.busbar.verticles.mqtt.store;

import io.busbar.codecs.journal.Journal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends journal records on its own thread: takes whatever has queued up, writes it, forces it to
 * disk once (group commit), then completes the batch's futures on the owner's context. Can replace
 * the whole file with a snapshot, in order with the appends around it.
 */
final class JournalWriter {

  private static final Logger LOG = LoggerFactory.getLogger(JournalWriter.class);

  private sealed interface Task permits Append, Rewrite, Stop {}

  private record Append(ByteBuffer record, Promise<Void> done) implements Task {}

  private record Rewrite(List<byte[]> snapshot) implements Task {}

  private record Stop() implements Task {}

  private final Path file;
  private final Context context;
  private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private FileChannel channel;
  private volatile long bytesSinceRewrite;

  JournalWriter(Path file, Context context, String name) throws IOException {
    this.file = file;
    this.context = context;
    this.channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    this.thread = new Thread(this::loop, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Writes {@code snapshot} as the whole journal: a fresh file, forced, moved into place. */
  static void writeSnapshot(Path file, List<byte[]> snapshot) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (byte[] record : snapshot) {
        Journal.write(out, record);
      }
      out.force(true);
    }
    java.nio.file.Files.move(
        tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Queues a record; the future completes on the owner's context once it is on disk. */
  Future<Void> append(byte[] body) {
    Promise<Void> done = Promise.promise();
    ByteBuffer framed = Journal.frame(body);
    bytesSinceRewrite += framed.remaining();
    queue.add(new Append(framed, done));
    return done.future();
  }

  /** Queues a replacement of the journal by {@code snapshot}, after what is queued already. */
  void rewrite(List<byte[]> snapshot) {
    bytesSinceRewrite = 0;
    queue.add(new Rewrite(snapshot));
  }

  long bytesSinceRewrite() {
    return bytesSinceRewrite;
  }

  Future<Void> close() {
    queue.add(new Stop());
    return context.executeBlocking(
        () -> {
          thread.join(10_000);
          channel.close();
          return null;
        });
  }

  private void loop() {
    List<Task> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(queue.take());
        queue.drainTo(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      List<Promise<Void>> done = new ArrayList<>();
      boolean stop = false;
      Throwable failure = null;
      try {
        boolean dirty = false;
        for (Task task : batch) {
          if (task instanceof Append a) {
            ByteBuffer b = a.record();
            while (b.hasRemaining()) {
              channel.write(b);
            }
            done.add(a.done());
            dirty = true;
          } else if (task instanceof Rewrite r) {
            if (dirty) {
              channel.force(false);
              dirty = false;
            }
            channel.close();
            writeSnapshot(file, r.snapshot());
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
          } else {
            stop = true;
          }
        }
        if (dirty) {
          channel.force(false);
        }
      } catch (IOException | RuntimeException e) {
        LOG.error("journal {} write failed", file, e);
        failure = e;
      }
      Throwable cause = failure;
      if (!done.isEmpty()) {
        context.runOnContext(
            v ->
                done.forEach(
                    p -> {
                      if (cause == null) {
                        p.tryComplete();
                      } else {
                        p.tryFail(cause);
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
