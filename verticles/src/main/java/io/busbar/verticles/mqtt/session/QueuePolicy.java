package io.busbar.verticles.mqtt.session;

/** What a session does with a new message when its queue is full. Every drop is counted. */
public enum QueuePolicy {
  /** Keep the queue, drop the new message. */
  DROP_NEWEST,
  /** Drop the oldest queued message to make room for the new one. */
  DROP_OLDEST
}
