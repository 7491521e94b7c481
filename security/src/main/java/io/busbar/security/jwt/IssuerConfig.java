package io.busbar.security.jwt;

import io.busbar.security.Principal;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One trusted token issuer and how its tokens are checked. Build with {@link #builder(String)}.
 *
 * @param issuer the exact {@code iss} value (RFC 7519 §4.1.1)
 * @param audiences accepted {@code aud} values; the token must name at least one. Empty: {@code
 *     aud} is not checked (only sensible for the development issuer)
 * @param algorithms the algorithm allow-list (RFC 8725 §3.1); never {@code none} nor HMAC, which
 *     {@link JwsAlgorithm} cannot even name
 * @param staticKeys keys from configuration; empty when {@code jwksUrl} is set
 * @param jwksUrl the issuer's JWKS URL, or {@code null} when {@code staticKeys} is set
 * @param refreshInterval how often the JWKS is fetched again
 * @param minRefetchInterval least time between fetches triggered by an unknown {@code kid}
 * @param clockSkew tolerance when checking {@code exp}, {@code nbf}, {@code iat}
 * @param maxTokenSize longest token accepted, in characters
 * @param maxLifetime longest {@code exp - iat} accepted (and {@code exp - now} when there is no
 *     {@code iat})
 * @param requireExpiry whether a token without {@code exp} is refused
 * @param tenant the tenant every token of this issuer belongs to, or {@code null}: the tenant is
 *     read from {@code tenantClaim}. When set, a token whose {@code tenantClaim} names another
 *     tenant is refused (an issuer can never speak for another tenant)
 * @param tenantClaim the claim holding the tenant when {@code tenant} is {@code null}
 * @param allowedTenants tenants this issuer may name in {@code tenantClaim}; empty: any
 * @param rolesClaim the claim holding the roles, a dotted path into nested objects for OIDC
 *     providers (e.g. {@code realm_access.roles}); an array of strings
 */
public record IssuerConfig(
    String issuer,
    Set<String> audiences,
    Set<JwsAlgorithm> algorithms,
    List<VerificationKey> staticKeys,
    URI jwksUrl,
    Duration refreshInterval,
    Duration minRefetchInterval,
    Duration clockSkew,
    int maxTokenSize,
    Duration maxLifetime,
    boolean requireExpiry,
    String tenant,
    String tenantClaim,
    Set<String> allowedTenants,
    String rolesClaim) {

  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMinutes(10);
  public static final Duration DEFAULT_MIN_REFETCH_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_TOKEN_SIZE = 8192;
  public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(24);
  public static final String DEFAULT_TENANT_CLAIM = "tenant";
  public static final String DEFAULT_ROLES_CLAIM = "roles";

  /** Hard ceiling for {@code maxTokenSize}: tokens arrive in a CONNECT password or a header. */
  public static final int MAX_TOKEN_SIZE_LIMIT = 65_536;

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException naming the setting and the bad value
   */
  public IssuerConfig {
    Objects.requireNonNull(issuer, "issuer");
    if (issuer.isBlank()) {
      throw new IllegalArgumentException("issuer must not be blank");
    }
    audiences = Set.copyOf(audiences);
    if (algorithms.isEmpty()) {
      throw new IllegalArgumentException("issuer " + issuer + ": algorithms must not be empty");
    }
    algorithms = Set.copyOf(algorithms);
    staticKeys = List.copyOf(staticKeys);
    if (staticKeys.isEmpty() == (jwksUrl == null)) {
      throw new IllegalArgumentException(
          "issuer " + issuer + ": set exactly one of static keys or a JWKS URL");
    }
    if (jwksUrl != null
        && !"https".equals(jwksUrl.getScheme())
        && !"http".equals(jwksUrl.getScheme())) {
      throw new IllegalArgumentException(
          "issuer " + issuer + ": jwksUrl " + jwksUrl + " is not http(s)");
    }
    positive("refreshInterval", refreshInterval, issuer);
    positive("minRefetchInterval", minRefetchInterval, issuer);
    positive("maxLifetime", maxLifetime, issuer);
    Objects.requireNonNull(clockSkew, "clockSkew");
    if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException(
          "issuer " + issuer + ": clockSkew must be 0..10m, was " + clockSkew);
    }
    if (maxTokenSize < 64 || maxTokenSize > MAX_TOKEN_SIZE_LIMIT) {
      throw new IllegalArgumentException(
          "issuer "
              + issuer
              + ": maxTokenSize must be 64.."
              + MAX_TOKEN_SIZE_LIMIT
              + ", was "
              + maxTokenSize);
    }
    if (tenant != null && tenant.isBlank()) {
      throw new IllegalArgumentException("issuer " + issuer + ": tenant must not be blank");
    }
    Objects.requireNonNull(tenantClaim, "tenantClaim");
    allowedTenants = Set.copyOf(allowedTenants);
    Objects.requireNonNull(rolesClaim, "rolesClaim");
  }

  private static void positive(String name, Duration value, String issuer) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(
          "issuer " + issuer + ": " + name + " must be positive, was " + value);
    }
  }

  /** A builder with the defaults: RS256/PS256/ES256/EdDSA, 30 s skew, 8 KiB, 24 h lifetime. */
  public static Builder builder(String issuer) {
    return new Builder(issuer);
  }

  /** Fluent construction of an {@link IssuerConfig}; validated by {@link #build()}. */
  public static final class Builder {
    private final String issuer;
    private Set<String> audiences = Set.of();
    private Set<JwsAlgorithm> algorithms = EnumSet.allOf(JwsAlgorithm.class);
    private List<VerificationKey> staticKeys = List.of();
    private URI jwksUrl;
    private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
    private Duration minRefetchInterval = DEFAULT_MIN_REFETCH_INTERVAL;
    private Duration clockSkew = DEFAULT_CLOCK_SKEW;
    private int maxTokenSize = DEFAULT_MAX_TOKEN_SIZE;
    private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
    private boolean requireExpiry = true;
    private String tenant;
    private String tenantClaim = DEFAULT_TENANT_CLAIM;
    private Set<String> allowedTenants = Set.of();
    private String rolesClaim = DEFAULT_ROLES_CLAIM;

    private Builder(String issuer) {
      this.issuer = issuer;
    }

    public Builder audiences(Set<String> value) {
      this.audiences = value;
      return this;
    }

    public Builder algorithms(Set<JwsAlgorithm> value) {
      this.algorithms = value;
      return this;
    }

    public Builder staticKeys(List<VerificationKey> value) {
      this.staticKeys = value;
      return this;
    }

    public Builder jwksUrl(URI value) {
      this.jwksUrl = value;
      return this;
    }

    public Builder refreshInterval(Duration value) {
      this.refreshInterval = value;
      return this;
    }

    public Builder minRefetchInterval(Duration value) {
      this.minRefetchInterval = value;
      return this;
    }

    public Builder clockSkew(Duration value) {
      this.clockSkew = value;
      return this;
    }

    public Builder maxTokenSize(int value) {
      this.maxTokenSize = value;
      return this;
    }

    public Builder maxLifetime(Duration value) {
      this.maxLifetime = value;
      return this;
    }

    public Builder requireExpiry(boolean value) {
      this.requireExpiry = value;
      return this;
    }

    /** Binds every token of the issuer to {@code value}. */
    public Builder tenant(String value) {
      this.tenant = value;
      return this;
    }

    public Builder tenantClaim(String value) {
      this.tenantClaim = value;
      return this;
    }

    public Builder allowedTenants(Set<String> value) {
      this.allowedTenants = value;
      return this;
    }

    public Builder rolesClaim(String value) {
      this.rolesClaim = value;
      return this;
    }

    public IssuerConfig build() {
      return new IssuerConfig(
          issuer,
          audiences,
          algorithms,
          staticKeys,
          jwksUrl,
          refreshInterval,
          minRefetchInterval,
          clockSkew,
          maxTokenSize,
          maxLifetime,
          requireExpiry,
          tenant,
          tenantClaim,
          allowedTenants,
          rolesClaim);
    }
  }

  /** The tenant of a token without a tenant claim and without a bound tenant. */
  static String defaultTenant() {
    return Principal.DEFAULT_TENANT;
  }
}
