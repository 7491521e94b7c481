package io.busbar.codecs.model;

/** How far a reading can be trusted, in the OPC UA / Sparkplug sense. */
public enum Quality {
  GOOD,
  UNCERTAIN,
  BAD,
  /** The source went away (node death, rebirth pending): the last value is kept but not current. */
  STALE
}
