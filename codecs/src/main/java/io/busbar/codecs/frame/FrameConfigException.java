package io.busbar.codecs.frame;

/** A frame layout configuration that cannot be used; the message names the key and the value. */
public final class FrameConfigException extends IllegalArgumentException {

  private final String key;

  public FrameConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  /** The full configuration key, e.g. {@code frames.layouts.plc1.fields[2].type}. */
  public String key() {
    return key;
  }
}
