package io.busbar.perf.store;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The benchmark's view of a node's HTTP port: {@code /metrics} and authenticated REST GETs over one
 * keep-alive HTTP/1.1 connection pool. Blocking; call from the benchmark's own thread.
 */
public final class NodeHttp {

  /** A response: status and body. */
  public record Response(int status, String body) {}

  private final String base;
  private final String bearer;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /**
   * @param base e.g. {@code http://127.0.0.1:8080}
   * @param token a JWT sent as {@code Authorization: Bearer}, or {@code null}
   */
  public NodeHttp(String base, String token) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.bearer = token == null || token.isBlank() ? null : "Bearer " + token.trim();
  }

  /** GETs {@code pathAndQuery}, e.g. {@code /api/v1/devices/d1/telemetry?latest=true}. */
  public Response get(String pathAndQuery) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(60));
    if (bearer != null) {
      request.header("Authorization", bearer);
    }
    HttpResponse<String> response =
        client.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.body());
  }

  /** The sum of a metric's samples in {@code /metrics}, {@code NaN} if absent. */
  public double metric(String name) throws IOException, InterruptedException {
    Response response = get("/metrics");
    if (response.status() != 200) {
      throw new IOException("GET /metrics answered " + response.status());
    }
    return PrometheusText.sum(response.body(), name);
  }
}
