package io.busbar.hub.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.busbar.security.jwt.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Flat, layered configuration: dotted keys ({@code mqtt.port}) to text values, read from YAML and
 * overridden by environment variables and flags. The set of keys is fixed by the defaults file, so
 * a typo is an error that names the key, and every typed getter names the key of a bad value.
 */
public final class ConfigValues {

  /** Environment variables that override keys start with this: {@code BUSBAR_MQTT_PORT}. */
  public static final String ENV_PREFIX = "BUSBAR_";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /**
   * Sections kept as trees rather than flattened: their shape (lists of fields) is their meaning.
   */
  private static final Set<String> TREE_SECTIONS = Set.of("frames", "issuers", "acl");

  private final Map<String, String> values;
  private final Map<String, JsonNode> trees;

  private ConfigValues(Map<String, String> values, Map<String, JsonNode> trees) {
    this.values = values;
    this.trees = trees;
  }

  /** Reads the defaults: the commented {@code busbar.yaml} packaged with the node. */
  public static ConfigValues defaults() {
    try (InputStream in = ConfigValues.class.getResourceAsStream("/busbar.yaml")) {
      if (in == null) {
        throw new IllegalStateException("busbar.yaml defaults are missing from the classpath");
      }
      JsonNode tree = YAML.readTree(in);
      return new ConfigValues(
          flatten(tree, "source busbar.yaml (defaults)"), trees(tree, Map.of()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the packaged busbar.yaml", e);
    }
  }

  /** Overrides with the keys of a YAML file; every key must be a known one. */
  public ConfigValues withFile(Path file) {
    JsonNode tree;
    try {
      tree = YAML.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConfigException("--config " + file + ": cannot read it: " + e.getMessage());
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return this; // an empty file overrides nothing
    }
    ConfigValues merged = with(flatten(tree, "--config " + file), "--config " + file);
    return new ConfigValues(merged.values, trees(tree, trees));
  }

  /** Overrides with {@code BUSBAR_*} variables that name a known key; others are ignored. */
  public ConfigValues withEnvironment(Map<String, String> env) {
    Map<String, String> overrides = new LinkedHashMap<>();
    for (String key : values.keySet()) {
      String value = env.get(envName(key));
      if (value != null) {
        overrides.put(key, value);
      }
    }
    return with(overrides, "environment");
  }

  /** Overrides with explicit key → value pairs (command-line flags). */
  public ConfigValues with(Map<String, String> overrides, String source) {
    Map<String, String> merged = new LinkedHashMap<>(values);
    overrides.forEach(
        (key, value) -> {
          if (!values.containsKey(key)) {
            throw new ConfigException(source + ": unknown key '" + key + "'");
          }
          merged.put(key, value);
        });
    return new ConfigValues(merged, trees);
  }

  /**
   * A section kept as a tree (e.g. {@code frames}), as plain maps, lists and scalars; empty when
   * the configuration does not have it.
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> tree(String section) {
    JsonNode node = trees.get(section);
    return node == null || !node.isObject() ? Map.of() : YAML.convertValue(node, Map.class);
  }

  /** The tree sections of {@code tree}, replacing those of {@code base} section by section. */
  private static Map<String, JsonNode> trees(JsonNode tree, Map<String, JsonNode> base) {
    Map<String, JsonNode> out = new LinkedHashMap<>(base);
    for (String section : TREE_SECTIONS) {
      if (tree.has(section)) {
        out.put(section, tree.get(section));
      }
    }
    return out;
  }

  /** The environment variable that overrides {@code key}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public String string(String key) {
    String value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException("no configuration key '" + key + "'");
    }
    return value;
  }

  public int integer(String key, int min, int max) {
    String text = string(key).trim();
    try {
      int value = Integer.parseInt(text);
      if (value < min || value > max) {
        throw bad(key, text, "a whole number from " + min + " to " + max);
      }
      return value;
    } catch (NumberFormatException e) {
      throw bad(key, text, "a whole number from " + min + " to " + max);
    }
  }

  public int port(String key) {
    return integer(key, 0, 65_535);
  }

  public boolean bool(String key) {
    String text = string(key).trim().toLowerCase(Locale.ROOT);
    return switch (text) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw bad(key, text, "true or false");
    };
  }

  public Duration duration(String key) {
    return parseDuration(key, string(key).trim());
  }

  /**
   * Parses a duration as {@link Durations} does ({@code 200ms}, {@code 5m}, {@code PT1S}), or
   * {@code 0}.
   */
  static Duration parseDuration(String key, String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw bad(key, text, "a duration such as 200ms, 1s, 5m, 7d or PT1S");
    }
  }

  public Path path(String key) {
    String text = string(key).trim();
    if (text.isEmpty()) {
      throw bad(key, text, "a directory path");
    }
    try {
      return Path.of(text);
    } catch (java.nio.file.InvalidPathException e) {
      throw bad(key, text, "a directory path");
    }
  }

  private static ConfigException bad(String key, String value, String expected) {
    return new ConfigException(
        key + " (" + envName(key) + "): expected " + expected + ", got '" + value + "'");
  }

  private static Map<String, String> flatten(JsonNode tree, String source) {
    if (!tree.isObject()) {
      throw new ConfigException(source + ": expected a mapping of keys at the top level");
    }
    Map<String, String> out = new LinkedHashMap<>();
    flatten(tree, "", out, source);
    return out;
  }

  private static void flatten(
      JsonNode node, String prefix, Map<String, String> out, String source) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (prefix.isEmpty() && TREE_SECTIONS.contains(field.getKey())) {
        continue;
      }
      String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject()) {
        flatten(value, key, out, source);
      } else if (value.isValueNode()) {
        out.put(key, value.isNull() ? "" : value.asText());
      } else {
        throw new ConfigException(source + ": key '" + key + "' must be a single value");
      }
    }
  }
}
