/** The Busbar JSON telemetry format. Pure functions; runs on whichever thread calls it. */
package io.busbar.codecs.json;
