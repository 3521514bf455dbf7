package io.recformer.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.item.Item;
import io.recformer.core.item.UserHistory;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A small catalog, three users and the committed tiny ONNX bundle of recformer-infer's tests (a
 * 16-dimensional Recformer: fast, and its rankings are real), plus an HTTP client for 127.0.0.1.
 */
final class ServeFixture {

  static final Path TINY_BUNDLE =
      Path.of(System.getProperty("recformer.repo.root", ".."))
          .resolve("recformer-infer/src/test/resources/bundles/tiny");

  static final List<Item> ITEMS =
      List.of(
          Item.of("i1", "title", "Gorilla wood glue", "brand", "Gorilla", "category", "tools"),
          Item.of("i2", "title", "IKEA desk lamps", "brand", "IKEA", "category", "home"),
          Item.of("i3", "title", "Red pencil set of 10", "category", "office"),
          Item.of("i4", "title", "nikon camera lens", "brand", "Nikon", "category", "camera"),
          Item.of("i5", "title", "wood desk", "brand", "IKEA", "category", "home"),
          Item.of("i6", "title", "glue gun", "brand", "Bosch", "category", "tools"),
          Item.of("i7", "title", "camera bag", "brand", "Lowepro", "category", "camera"),
          Item.of("i8", "title", "pencil sharpener", "category", "office"),
          Item.of("i9", "title", "lamp bulbs", "brand", "Philips", "category", "home"),
          Item.of("i10", "title", "wood saw", "brand", "Bosch", "category", "tools"),
          Item.of("i11", "title", "red camera strap", "category", "camera"),
          Item.of("i12", "title", "office desk lamp", "brand", "IKEA", "category", "office"));

  static final List<UserHistory> USERS =
      List.of(
          UserHistory.of("alice", List.of("i1", "i6", "i10")),
          UserHistory.of("bob", List.of("i4", "i7")),
          UserHistory.of("carol-2", List.of("i2", "i5", "i9", "i12")));

  /** Small limits so that every limit can be crossed cheaply. */
  static final ServeOptions OPTIONS =
      ServeOptions.defaults()
          .withThreads(4)
          .withLimits(8192, 50, 5, 3)
          .withDrainTimeout(Duration.ofSeconds(20));

  static final ObjectMapper JSON = new ObjectMapper();

  private ServeFixture() {}

  static RecformerEncoder openEncoder() throws IOException {
    return RecformerEncoder.open(TINY_BUNDLE, EncoderOptions.defaults());
  }

  /** One response: status, headers we check, and the body parsed as JSON (or null). */
  record Response(int status, JsonNode json, String text, HttpResponse<String> raw) {}

  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  static Response get(RecformerServer server, String path) throws IOException {
    return send(HttpRequest.newBuilder(uri(server, path)).GET());
  }

  static Response post(RecformerServer server, String path, String body) throws IOException {
    return send(
        HttpRequest.newBuilder(uri(server, path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
  }

  static URI uri(RecformerServer server, String path) {
    return server.uri().resolve(path);
  }

  static Response send(HttpRequest.Builder request) throws IOException {
    try {
      HttpResponse<String> response =
          CLIENT.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      JsonNode json = null;
      String type = response.headers().firstValue("Content-Type").orElse("");
      if (type.startsWith("application/json")) {
        json = JSON.readTree(response.body());
      }
      return new Response(response.statusCode(), json, response.body(), response);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
