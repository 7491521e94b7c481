package io.busbar.codecs.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.busbar.codecs.model.DecodeResult;
import io.busbar.codecs.model.MessageContext;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ContentTypeDecoderTest {

  private static final String TOPIC = "devices/d1/telemetry";

  private static DecodeResult decode(String contentType, Buffer payload) {
    MessageContext ctx = new MessageContext("acme", "d1", TOPIC, 1L, contentType);
    return DecoderTable.defaults().resolve(TOPIC).orElseThrow().decoder().decode(ctx, payload);
  }

  /** Verifies that telemetry is read as JSON without a content type or with application/json. */
  @Test
  void jsonByDefaultAndByContentType() {
    Buffer json = Buffer.buffer("{\"metrics\":{\"t\":1}}");
    assertThat(decode(null, json)).isInstanceOf(DecodeResult.Decoded.class);
    assertThat(decode("application/json", json)).isInstanceOf(DecodeResult.Decoded.class);
    assertThat(decode("Application/JSON; charset=utf-8", json))
        .isInstanceOf(DecodeResult.Decoded.class);
  }

  /** Verifies that MQTT 5 content type application/cbor selects the CBOR decoder. */
  @Test
  void cborByContentType() throws Exception {
    Buffer cbor =
        Buffer.buffer(
            new ObjectMapper(new CBORFactory())
                .writeValueAsBytes(Map.of("metrics", Map.of("t", 1))));
    assertThat(decode("application/cbor", cbor)).isInstanceOf(DecodeResult.Decoded.class);
    // the same bytes announced as JSON are not guessed at: a dead letter with the JSON reason
    assertThat(decode("application/json", cbor)).isInstanceOf(DecodeResult.Rejected.class);
  }

  /** Verifies that a content type no decoder reads is rejected and named. */
  @Test
  void rejectsUnknownContentType() {
    DecodeResult result = decode("text/plain", Buffer.buffer("hello"));
    assertThat(result).isInstanceOf(DecodeResult.Rejected.class);
    assertThat(((DecodeResult.Rejected) result).reason())
        .contains("'text/plain'")
        .contains("application/cbor")
        .contains("application/json");
  }
}
