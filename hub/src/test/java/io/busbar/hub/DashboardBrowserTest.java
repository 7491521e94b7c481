package io.busbar.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.busbar.hub.config.BusbarConfig;
import io.busbar.hub.config.ConfigValues;
import io.busbar.security.jwt.TokenRequest;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The live-plant page in a real headless Chromium, fed by a real device over MQTT. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {

  private static final File CHROMIUM = new File("/usr/bin/chromium");
  private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

  @TempDir static Path dataDir;
  private static Node node;
  private static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        CHROMIUM.canExecute() && CHROMEDRIVER.canExecute(),
        "Chromium and ChromeDriver are not installed (apt-get install chromium chromium-driver); .ci/run installs them");
    node =
        Main.await(
            Node.start(
                BusbarConfig.from(
                    ConfigValues.defaults()
                        .with(
                            Map.of(
                                "mqtt.port",
                                "0",
                                "http.port",
                                "0",
                                "node.data-dir",
                                dataDir.toString()),
                            "test"))),
            "start the node");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + dataDir.resolve("chromium-profile"));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER).build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (node != null) {
      Main.await(node.close(), "stop the node");
    }
  }

  /**
   * Verifies that a machine's card appears and its temperature updates live as the device
   * publishes.
   */
  @Test
  void pageShowsLiveValuesPerMachine() throws Exception {
    browser.get("http://127.0.0.1:" + node.httpPort() + "/");
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "open"));

    Mqtt5BlockingClient press =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("press-1")
            .serverHost("127.0.0.1")
            .serverPort(node.mqttPort())
            .buildBlocking();
    String token =
        node.issuer().mint(new TokenRequest("press-1", "default", Set.of(), Duration.ofHours(1)));
    press
        .connectWith()
        .simpleAuth()
        .username("press-1")
        .password(token.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send();
    By temperature =
        By.cssSelector(
            ".machine[data-device='press-1'] tr.metric[data-metric='temperature'] .value");
    for (String value : new String[] {"61.50", "62.25"}) {
      press
          .publishWith()
          .topic("devices/press-1/telemetry")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(
              ("{\"metrics\":{\"temperature\":{\"value\":"
                      + value
                      + ",\"unit\":\"°C\"},\"state\":\"RUNNING\"}}")
                  .getBytes(StandardCharsets.UTF_8))
          .send();
      wait.until(ExpectedConditions.textToBe(temperature, value));
    }
    assertThat(
            browser
                .findElement(
                    By.cssSelector(
                        ".machine[data-device='press-1'] tr.metric[data-metric='state'] .value"))
                .getText())
        .isEqualTo("RUNNING");
    press.disconnect();
  }
}
