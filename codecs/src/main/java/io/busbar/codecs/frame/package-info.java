/**
 * Declarative binary frames for PLCs and legacy devices: layouts built from configuration ({@link
 * io.busbar.codecs.frame.FrameLayouts}), decoded in place from the Vert.x buffer ({@link
 * io.busbar.codecs.frame.FrameLayoutDecoder}) on {@code devices/{id}/frames/{layout}}. Layouts are
 * immutable; decoding is a pure function that runs on whichever thread calls it (the MQTT
 * connection's event loop).
 */
package io.busbar.codecs.frame;
