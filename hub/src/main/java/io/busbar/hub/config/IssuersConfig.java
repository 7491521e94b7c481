package io.busbar.hub.config;

import io.busbar.security.jwt.Durations;
import io.busbar.security.jwt.IssuerConfig;
import io.busbar.security.jwt.JsonWebKeys;
import io.busbar.security.jwt.JwsAlgorithm;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Token issuers from the {@code issuers} section of the configuration, beside the node's own
 * development issuer. Every error names its key, e.g. {@code issuers.keycloak.algorithms: unknown
 * algorithm 'HS256'}.
 */
final class IssuersConfig {

  private static final Set<String> KEYS =
      Set.of(
          "iss",
          "jwks-url",
          "public-key-pem",
          "audiences",
          "algorithms",
          "tenant",
          "tenant-claim",
          "allowed-tenants",
          "roles-claim",
          "clock-skew",
          "max-lifetime",
          "refresh-interval");

  private IssuersConfig() {}

  static List<IssuerConfig> from(Map<String, Object> section) {
    List<IssuerConfig> issuers = new ArrayList<>();
    section.forEach(
        (name, value) -> {
          String prefix = "issuers." + name;
          if (!(value instanceof Map<?, ?> raw)) {
            throw new ConfigException(prefix + ": expected a mapping of issuer settings");
          }
          issuers.add(issuer(prefix, raw));
        });
    return issuers;
  }

  private static IssuerConfig issuer(String prefix, Map<?, ?> raw) {
    for (Object key : raw.keySet()) {
      if (!KEYS.contains(String.valueOf(key))) {
        throw new ConfigException(
            prefix + "." + key + ": unknown key (known: " + new java.util.TreeSet<>(KEYS) + ")");
      }
    }
    String iss = text(raw, prefix, "iss", true);
    try {
      IssuerConfig.Builder builder = IssuerConfig.builder(iss);
      String jwks = text(raw, prefix, "jwks-url", false);
      String pem = text(raw, prefix, "public-key-pem", false);
      if ((jwks == null) == (pem == null)) {
        throw new ConfigException(prefix + ": give exactly one of jwks-url and public-key-pem");
      }
      if (jwks != null) {
        builder.jwksUrl(URI.create(jwks));
      } else {
        builder.staticKeys(List.of(JsonWebKeys.parsePem(Files.readString(Path.of(pem)), null)));
      }
      Set<String> audiences = list(raw, prefix, "audiences");
      if (!audiences.isEmpty()) {
        builder.audiences(audiences);
      }
      Set<String> algorithms = list(raw, prefix, "algorithms");
      if (!algorithms.isEmpty()) {
        Set<JwsAlgorithm> allowed = new LinkedHashSet<>();
        for (String alg : algorithms) {
          allowed.add(
              JwsAlgorithm.byName(alg)
                  .orElseThrow(
                      () ->
                          new ConfigException(
                              prefix
                                  + ".algorithms: unknown or refused algorithm '"
                                  + alg
                                  + "' (RS256, PS256, ES256, EdDSA)")));
        }
        builder.algorithms(allowed);
      }
      String tenant = text(raw, prefix, "tenant", false);
      if (tenant != null) {
        builder.tenant(tenant);
      }
      String tenantClaim = text(raw, prefix, "tenant-claim", false);
      if (tenantClaim != null) {
        builder.tenantClaim(tenantClaim);
      }
      Set<String> allowedTenants = list(raw, prefix, "allowed-tenants");
      if (!allowedTenants.isEmpty()) {
        builder.allowedTenants(allowedTenants);
      }
      String roles = text(raw, prefix, "roles-claim", false);
      if (roles != null) {
        builder.rolesClaim(roles);
      }
      String skew = text(raw, prefix, "clock-skew", false);
      if (skew != null) {
        builder.clockSkew(ConfigValues.parseDuration(prefix + ".clock-skew", skew));
      }
      String lifetime = text(raw, prefix, "max-lifetime", false);
      if (lifetime != null) {
        builder.maxLifetime(Durations.parse(lifetime));
      }
      String refresh = text(raw, prefix, "refresh-interval", false);
      if (refresh != null) {
        builder.refreshInterval(Durations.parse(refresh));
      }
      return builder.build();
    } catch (IOException e) {
      throw new ConfigException(prefix + ".public-key-pem: cannot read it: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(prefix + ": " + e.getMessage());
    }
  }

  private static String text(Map<?, ?> raw, String prefix, String key, boolean required) {
    Object value = raw.get(key);
    if (value == null || String.valueOf(value).isBlank()) {
      if (required) {
        throw new ConfigException(prefix + "." + key + ": required");
      }
      return null;
    }
    return String.valueOf(value).trim();
  }

  private static Set<String> list(Map<?, ?> raw, String prefix, String key) {
    Object value = raw.get(key);
    if (value == null) {
      return Set.of();
    }
    if (value instanceof List<?> items) {
      Set<String> out = new LinkedHashSet<>();
      items.forEach(item -> out.add(String.valueOf(item)));
      return out;
    }
    throw new ConfigException(prefix + "." + key + ": expected a list, e.g. [a, b]");
  }
}
