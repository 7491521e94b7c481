/**
 * Sparkplug B 3.0 host application logic (Eclipse Sparkplug specification 3.0.0): topics (§4.1),
 * payload decoding by datatype (§6.4), the host's record of edge nodes with births, aliases, bdSeq
 * and seq (§5, §7) and rebirth decisions, and the encoding of NCMD/DCMD/STATE. Protobuf classes are
 * generated from {@code src/main/proto/sparkplug_b.proto} at build time.
 *
 * <p>Plain Java with no I/O and no clock. Decoding runs on the thread of the MQTT connection that
 * received the message (an event loop); {@link io.busbar.codecs.sparkplug.SparkplugHostState} is
 * shared by all connections and locks briefly per message. The broker wires it: a {@link
 * io.busbar.codecs.sparkplug.SparkplugRoute} in the decoder table, a periodic timer publishing
 * {@link io.busbar.codecs.sparkplug.SparkplugHostState#dueRebirths(long)} as NCMDs, and its STATE
 * birth and will from {@link io.busbar.codecs.sparkplug.SparkplugCommands#hostState}.
 */
package io.busbar.codecs.sparkplug;
