package io.busbar.perf.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes probes on one {@link MqttLink} until a deadline or a message count: pipelined, encoded
 * into pooled buffers and flushed once per batch.
 *
 * <ul>
 *   <li>Unpaced ({@code ratePerSecond == 0}): as fast as the socket takes them — a batch per turn
 *       of the event loop while the channel is writable (TCP back-pressure), resumed on writability
 *       change.
 *   <li>Paced: a tick (every message interval, at least 1 ms) sends what is due since the start, so
 *       the rate holds on average.
 *   <li>QoS 1: at most {@code window} PUBLISHes without PUBACK (MQTT 3.1.1 §4.3.2); a PUBACK frees
 *       a slot. {@link #finished()} waits for the last PUBACK.
 * </ul>
 *
 * <p>Runs on the generator's event loop; {@link #start()} may be called from any thread.
 */
public final class Publisher {

  /**
   * Settings of one publisher; {@code ratePerSecond} 0 = unpaced, {@code maxMessages} 0 = no cap.
   */
  public record Settings(
      String topic,
      MqttQoS qos,
      int connectionId,
      int payloadSize,
      int window,
      double ratePerSecond,
      long durationNanos,
      long maxMessages) {
    public Settings {
      if (qos == MqttQoS.EXACTLY_ONCE || qos == MqttQoS.FAILURE) {
        throw new IllegalArgumentException("publisher supports QoS 0 and 1, not " + qos);
      }
      if (payloadSize < Probe.SIZE) {
        throw new IllegalArgumentException("payload must be at least " + Probe.SIZE + " bytes");
      }
      if (window < 1 || window > 65_535) {
        throw new IllegalArgumentException("window must be 1..65535, was " + window);
      }
    }
  }

  /**
   * Writes the payload of one PUBLISH: a {@link Probe} by default, or another body (e.g. JSON
   * telemetry for the storage benchmark). Runs on the generator's event loop.
   */
  @FunctionalInterface
  public interface PayloadWriter {
    void write(ByteBuf out, int connection, long sequence, long sentNanos, int payloadSize);
  }

  /** PUBLISHes written per turn of the event loop before yielding to other connections. */
  private static final int BATCH = 32;

  private final MqttLink link;
  private final Settings settings;
  private final PayloadWriter payloads;
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private final boolean[] inUse = new boolean[65_536];
  private Channel channel;
  private ScheduledFuture<?> ticker;
  private long startNanos;
  private long deadlineNanos;
  private long sent;
  private long acked;
  private int inFlight;
  private int nextId = 1;
  private boolean sending;
  private boolean pumpScheduled;

  public Publisher(MqttLink link, Settings settings) {
    this(link, settings, Probe::write);
  }

  /** A publisher whose payloads {@code payloads} writes instead of probes. */
  public Publisher(MqttLink link, Settings settings, PayloadWriter payloads) {
    this.link = link;
    this.settings = settings;
    this.payloads = payloads;
  }

  /** Starts publishing; returns {@link #finished()}. */
  public CompletableFuture<Void> start() {
    channel = link.channel();
    link.attach(this);
    channel
        .eventLoop()
        .execute(
            () -> {
              startNanos = System.nanoTime();
              deadlineNanos = startNanos + settings.durationNanos();
              sending = true;
              if (settings.ratePerSecond() > 0) {
                // one tick per message interval, at least 1 ms: no busy timer at low rates
                long period = Math.max(1_000_000L, (long) (1e9 / settings.ratePerSecond()));
                ticker =
                    channel
                        .eventLoop()
                        .scheduleAtFixedRate(this::pump, 0, period, TimeUnit.NANOSECONDS);
              } else {
                pump();
              }
            });
    return finished;
  }

  /**
   * Completes when sending stopped and, for QoS 1, every PUBLISH is acknowledged; completes (not
   * fails) when the connection closes — {@link #sent()} and {@link #acked()} tell what happened.
   */
  public CompletableFuture<Void> finished() {
    return finished;
  }

  /** PUBLISHes written, each with the next sequence number. */
  public long sent() {
    return sent;
  }

  /** PUBACKs received (QoS 1). */
  public long acked() {
    return acked;
  }

  void pump() {
    pumpScheduled = false;
    if (!sending) {
      return;
    }
    long now = System.nanoTime();
    if (now >= deadlineNanos || (settings.maxMessages() > 0 && sent >= settings.maxMessages())) {
      stopSending();
      return;
    }
    long allowed = BATCH;
    if (settings.ratePerSecond() > 0) {
      long due = (long) ((now - startNanos) / 1e9 * settings.ratePerSecond()) + 1;
      allowed = Math.min(due - sent, 4L * BATCH);
    }
    if (settings.maxMessages() > 0) {
      allowed = Math.min(allowed, settings.maxMessages() - sent);
    }
    boolean qos1 = settings.qos() == MqttQoS.AT_LEAST_ONCE;
    int written = 0;
    while (written < allowed && channel.isWritable() && (!qos1 || inFlight < settings.window())) {
      write(qos1);
      written++;
    }
    if (written > 0) {
      channel.flush();
    }
    // unpaced and not held back: come back after the other connections had their turn
    if (settings.ratePerSecond() == 0
        && channel.isWritable()
        && (!qos1 || inFlight < settings.window())
        && !pumpScheduled) {
      pumpScheduled = true;
      channel.eventLoop().execute(this::pump);
    }
  }

  private void write(boolean qos1) {
    int packetId = 0;
    if (qos1) {
      packetId = nextPacketId();
      inUse[packetId] = true;
      inFlight++;
    }
    ByteBuf payload = channel.alloc().buffer(settings.payloadSize());
    payloads.write(
        payload, settings.connectionId(), sent, System.nanoTime(), settings.payloadSize());
    MqttPublishMessage publish =
        new MqttPublishMessage(
            new MqttFixedHeader(MqttMessageType.PUBLISH, false, settings.qos(), false, 0),
            new MqttPublishVariableHeader(settings.topic(), packetId),
            payload);
    channel.write(publish, channel.voidPromise());
    sent++;
  }

  private int nextPacketId() {
    // MQTT 3.1.1 §2.3.1: non-zero and not in use by another unacknowledged PUBLISH
    while (inUse[nextId]) {
      nextId = nextId == 65_535 ? 1 : nextId + 1;
    }
    int id = nextId;
    nextId = nextId == 65_535 ? 1 : nextId + 1;
    return id;
  }

  void acked(int packetId) {
    if (packetId <= 0 || packetId > 65_535 || !inUse[packetId]) {
      return;
    }
    inUse[packetId] = false;
    inFlight--;
    acked++;
    if (sending) {
      if (settings.ratePerSecond() == 0 && !pumpScheduled) {
        pumpScheduled = true;
        channel.eventLoop().execute(this::pump);
      }
    } else if (inFlight == 0) {
      finished.complete(null);
    }
  }

  private void stopSending() {
    sending = false;
    if (ticker != null) {
      ticker.cancel(false);
    }
    if (settings.qos() == MqttQoS.AT_MOST_ONCE || inFlight == 0) {
      finished.complete(null);
    }
  }

  void linkClosed() {
    sending = false;
    if (ticker != null) {
      ticker.cancel(false);
    }
    finished.complete(null);
  }
}
