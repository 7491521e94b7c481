/**
 * Busbar telemetry in CBOR (RFC 8949), the compact form of the JSON telemetry model, chosen by the
 * MQTT 5 content type {@code application/cbor}. Pure functions; runs on whichever thread calls it.
 */
package io.busbar.codecs.cbor;
