package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recformer serve} as a real process on a slice of the bundled Scientific data: it creates
 * the catalog directory, answers over HTTP and stops gracefully on SIGTERM (a restart on the same
 * directory is covered by recformer-serve's ServeLifecycleTest).
 */
class ServeCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path temp;

  @Test
  void servesADatasetAndStopsOnSigterm() throws Exception {
    Path data = temp.resolve("data");
    Dataset slice = CliRunner.writeScientificSlice(data, 20);
    Path catalog = temp.resolve("catalog");
    UserHistory user = slice.users().get(3);
    String[] args = {
      data.toString(),
      "--bundle",
      CliRunner.TINY_BUNDLE.toString(),
      "--catalog",
      catalog.toString(),
      "--port",
      "0",
      "--request-threads",
      "2"
    };
    try (ServeProcess serve = ServeProcess.start(temp, args)) {
      assertThat(serve.uri().getHost()).isEqualTo("127.0.0.1");
      JsonNode health = get(serve.uri(), "api/health");
      assertThat(health.get("catalog").get("items").asInt()).isEqualTo(slice.itemCount());
      assertThat(health.get("users").asInt()).isEqualTo(20);
      JsonNode top =
          post(serve.uri(), "api/recommend", "{\"user\": \"" + user.userId() + "\", \"k\": 10}");
      assertThat(top.get("historyItems").asInt()).isEqualTo(user.size());
      assertThat(top.get("recommendations")).hasSize(10);
      for (JsonNode r : top.get("recommendations")) {
        assertThat(user.itemIds()).doesNotContain(r.get("id").asText());
      }
      post(
          serve.uri(),
          "api/items",
          "{\"items\": [{\"id\": \"cold-x\", \"attributes\": {\"title\": \"lab beaker set\"}}]}");
      assertThat(serve.terminate()).isEqualTo(143); // 128 + SIGTERM, after the hooks ran
      assertThat(serve.stderr()).contains("stopped serving");
    }
  }

  private static JsonNode get(URI base, String path) throws Exception {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET(), 200);
  }

  private static JsonNode post(URI base, String path, String body) throws Exception {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)),
        path.equals("api/items") ? 201 : 200);
  }

  private static JsonNode send(HttpRequest.Builder request, int status) throws Exception {
    HttpResponse<String> response =
        CLIENT.send(
            request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return JSON.readTree(response.body());
  }
}
