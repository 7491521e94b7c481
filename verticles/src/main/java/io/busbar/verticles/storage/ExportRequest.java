package io.busbar.verticles.storage;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * A validated request on {@code Addresses.STORAGE_EXPORT}: write the raw readings of {@code [from,
 * to)} to a Parquet file on this node.
 *
 * @param device only this device, or {@code null} for all
 * @param tenant only this tenant, or {@code null} for any
 * @param from the first instant included (epoch ms)
 * @param to the first instant excluded (epoch ms)
 * @param path the absolute file to write; overwritten if it exists, its directory must exist
 */
record ExportRequest(String device, String tenant, long from, long to, Path path) {

  ExportRequest {
    if (!TelemetryQuery.inRange(from)) {
      throw new InvalidRequestException(
          "from", "from must be epoch ms in years 1..9999, got " + from);
    }
    if (!TelemetryQuery.inRange(to)) {
      throw new InvalidRequestException("to", "to must be epoch ms in years 1..9999, got " + to);
    }
    if (from > to) {
      throw new InvalidRequestException(
          "from", "from must not be after to, got from=" + from + " to=" + to);
    }
    if (!path.isAbsolute()) {
      throw new InvalidRequestException("path", "path must be absolute, got " + path);
    }
    Path parent = path.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new InvalidRequestException(
          "path", "path must be in an existing directory, got " + path);
    }
  }

  /**
   * Reads {@code {device?, tenant?, from, to, path}}.
   *
   * @throws InvalidRequestException naming the first bad field
   */
  static ExportRequest fromJson(JsonObject request) {
    if (request == null) {
      throw new InvalidRequestException("from", "from is required");
    }
    Long from = RequestFields.optionalLong(request, "from");
    Long to = RequestFields.optionalLong(request, "to");
    if (from == null) {
      throw new InvalidRequestException("from", "from is required");
    }
    if (to == null) {
      throw new InvalidRequestException("to", "to is required");
    }
    String path = RequestFields.requiredText(request, "path");
    Path file;
    try {
      file = Path.of(path).normalize();
    } catch (InvalidPathException e) {
      throw new InvalidRequestException("path", "path is not a file name: " + e.getMessage());
    }
    return new ExportRequest(
        RequestFields.optionalText(request, "device"),
        RequestFields.optionalText(request, "tenant"),
        from,
        to,
        file);
  }
}
