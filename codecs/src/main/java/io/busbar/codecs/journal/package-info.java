/**
 * CRC-framed records for append-only journal files, shared by every component that keeps a local
 * log on disk (the broker's session and retained stores, the Kafka sink's spool). Static helpers
 * doing blocking file I/O: the caller's writer or worker thread runs them.
 */
package io.busbar.codecs.journal;
