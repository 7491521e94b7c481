package io.busbar.verticles.storage;

import io.vertx.core.json.JsonArray;

/**
 * One page of a telemetry query.
 *
 * @param rows the rows, oldest first
 * @param next where the next (older) page starts, or {@code null} if this page is the last
 */
record TelemetryPage(JsonArray rows, PageCursor next) {}
