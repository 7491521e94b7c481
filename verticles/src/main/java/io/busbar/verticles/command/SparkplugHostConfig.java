package io.busbar.verticles.command;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link SparkplugHostVerticle}.
 *
 * @param hostId the Sparkplug host application id: STATE goes to {@code spBv1.0/STATE/{hostId}}
 *     (Sparkplug 3.0 §4.1.3); one topic level
 * @param tenant the tenant the STATE and the rebirth NCMDs are published into (the host state does
 *     not know tenants; edge nodes of this tenant see them)
 * @param rebirthInterval how often due rebirth requests are published
 */
public record SparkplugHostConfig(String hostId, String tenant, Duration rebirthInterval) {

  public static final String DEFAULT_HOST_ID = "busbar";
  public static final String DEFAULT_TENANT = "default";
  public static final Duration DEFAULT_REBIRTH_INTERVAL = Duration.ofMillis(100);

  /**
   * @throws IllegalArgumentException naming the setting and the bad value
   */
  public SparkplugHostConfig {
    Objects.requireNonNull(hostId, "hostId");
    Objects.requireNonNull(tenant, "tenant");
    if (hostId.isEmpty() || hostId.matches(".*[/+#\u0000].*")) {
      throw new IllegalArgumentException(
          "sparkplug.host-id must be one topic level without / + #, got '" + hostId + "'");
    }
    if (tenant.isEmpty()) {
      throw new IllegalArgumentException("sparkplug.tenant must not be empty");
    }
    if (rebirthInterval == null || rebirthInterval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "sparkplug rebirth interval must be at least 1 ms, got " + rebirthInterval);
    }
  }

  public SparkplugHostConfig(String hostId) {
    this(hostId, DEFAULT_TENANT, DEFAULT_REBIRTH_INTERVAL);
  }
}
