package io.busbar.perf.load;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Counts what one subscriber received, per sending connection, by sequence number: distinct
 * messages, duplicates, messages that arrived after a higher sequence number (reordered), and —
 * once the senders say how many they sent — the missing ones.
 *
 * <p>Not thread-safe: one tracker belongs to one receiver on one event loop.
 */
public final class SequenceTracker {

  private final List<BitSet> seen = new ArrayList<>();
  private final List<long[]> highest = new ArrayList<>();
  private long received;
  private long duplicates;
  private long reordered;

  /**
   * Records one delivery.
   *
   * @return {@code true} the first time this (connection, sequence) is seen, {@code false} for a
   *     duplicate
   * @throws IllegalArgumentException for a negative connection id or a sequence beyond an int
   */
  public boolean record(int connection, long sequence) {
    if (connection < 0 || sequence < 0 || sequence > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "bad probe: connection " + connection + " seq " + sequence);
    }
    while (seen.size() <= connection) {
      seen.add(new BitSet());
      highest.add(new long[] {-1});
    }
    received++;
    BitSet bits = seen.get(connection);
    int index = (int) sequence;
    if (bits.get(index)) {
      duplicates++;
      return false;
    }
    bits.set(index);
    long[] top = highest.get(connection);
    if (sequence < top[0]) {
      reordered++;
    } else {
      top[0] = sequence;
    }
    return true;
  }

  /** All deliveries, duplicates included. */
  public long received() {
    return received;
  }

  /** Distinct (connection, sequence) pairs received. */
  public long distinct() {
    return received - duplicates;
  }

  /** Deliveries of a (connection, sequence) pair already seen. */
  public long duplicates() {
    return duplicates;
  }

  /** First deliveries that arrived after a higher sequence number of the same connection. */
  public long reordered() {
    return reordered;
  }

  /** Sequence numbers {@code 0 … sent-1} of {@code connection} never received. */
  public long missing(int connection, long sent) {
    if (sent <= 0) {
      return 0;
    }
    if (connection >= seen.size()) {
      return sent;
    }
    BitSet bits = seen.get(connection);
    int upTo = (int) Math.min(sent, Integer.MAX_VALUE);
    return sent - bits.get(0, upTo).cardinality();
  }

  /**
   * Missing messages over all connections, {@code sent[i]} being what connection {@code i} sent.
   */
  public long missing(long[] sent) {
    long total = 0;
    for (int i = 0; i < sent.length; i++) {
      total += missing(i, sent[i]);
    }
    return total;
  }
}
