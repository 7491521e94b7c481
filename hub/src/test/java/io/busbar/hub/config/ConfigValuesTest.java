package io.busbar.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValuesTest {

  /** Verifies that the packaged defaults carry the documented ports and types. */
  @Test
  void defaultsAreTheDocumentedOnes() {
    ConfigValues values = ConfigValues.defaults();
    assertThat(values.port("mqtt.port")).isEqualTo(1883);
    assertThat(values.port("http.port")).isEqualTo(8080);
    assertThat(values.bool("mqtt.allow-anonymous")).isFalse();
    assertThat(values.duration("storage.flush-interval")).isEqualTo(Duration.ofMillis(200));
  }

  /** Verifies the precedence: defaults < file < environment < flags. */
  @Test
  void layersOverrideInOrder(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.yaml");
    Files.writeString(file, "mqtt:\n  port: 1884\nhttp:\n  port: 8081\n");
    ConfigValues values =
        ConfigValues.defaults()
            .withFile(file)
            .withEnvironment(
                Map.of(
                    "BUSBAR_HTTP_PORT",
                    "8082",
                    "BUSBAR_STORAGE_BATCH_SIZE",
                    "10",
                    "UNRELATED",
                    "x"))
            .with(Map.of("mqtt.port", "1885"), "command line");
    assertThat(values.port("mqtt.port")).isEqualTo(1885);
    assertThat(values.port("http.port")).isEqualTo(8082);
    assertThat(values.integer("storage.batch-size", 1, 100)).isEqualTo(10);
  }

  /**
   * Verifies that a bad value is refused with a message naming the key, its variable and the value.
   */
  @Test
  void badValuesNameTheirKey() {
    ConfigValues values =
        ConfigValues.defaults().withEnvironment(Map.of("BUSBAR_MQTT_PORT", "eighty"));
    assertThatThrownBy(() -> values.port("mqtt.port"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("mqtt.port")
        .hasMessageContaining("BUSBAR_MQTT_PORT")
        .hasMessageContaining("'eighty'");
    ConfigValues range = ConfigValues.defaults().with(Map.of("http.port", "70000"), "command line");
    assertThatThrownBy(() -> range.port("http.port")).hasMessageContaining("0 to 65535");
    ConfigValues duration =
        ConfigValues.defaults().with(Map.of("storage.flush-interval", "soon"), "x");
    assertThatThrownBy(() -> duration.duration("storage.flush-interval"))
        .hasMessageContaining("storage.flush-interval");
    ConfigValues flag = ConfigValues.defaults().with(Map.of("mqtt.allow-anonymous", "maybe"), "x");
    assertThatThrownBy(() -> flag.bool("mqtt.allow-anonymous"))
        .hasMessageContaining("true or false");
  }

  /** Verifies that a misspelt key in a config file stops start-up and names the key and file. */
  @Test
  void unknownKeysAreRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("typo.yaml");
    Files.writeString(file, "mqtt:\n  prot: 1884\n");
    assertThatThrownBy(() -> ConfigValues.defaults().withFile(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("mqtt.prot")
        .hasMessageContaining(file.toString());
  }
}
