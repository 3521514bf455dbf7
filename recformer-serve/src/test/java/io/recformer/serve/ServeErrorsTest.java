package io.recformer.serve;

import static io.recformer.serve.ServeFixture.ITEMS;
import static io.recformer.serve.ServeFixture.OPTIONS;
import static io.recformer.serve.ServeFixture.USERS;
import static io.recformer.serve.ServeFixture.get;
import static io.recformer.serve.ServeFixture.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.Recommender;
import io.recformer.serve.ServeFixture.Response;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every refusal: the status, and the field the error names. One server for all of them. */
class ServeErrorsTest {

  private static RecformerEncoder encoder;
  private static RecformerServer server;

  @BeforeAll
  static void start() throws Exception {
    encoder = ServeFixture.openEncoder();
    server =
        RecformerServer.start(
            Recommender.build(encoder, ItemCatalog.of(ITEMS)), UserDirectory.of(USERS), OPTIONS);
  }

  @AfterAll
  static void stop() {
    server.stop();
    encoder.close();
  }

  static Stream<Arguments> badRecommendations() {
    return Stream.of(
        Arguments.of("", 400, "body", "empty"),
        Arguments.of("{\"user\": ", 400, "body", "not valid JSON"),
        Arguments.of("[1, 2]", 400, "body", "expected a JSON object, got a list"),
        Arguments.of("{\"user\": \"alice\", \"kk\": 3}", 400, "kk", "unknown field 'kk'"),
        Arguments.of("{}", 400, "user", "exactly one of 'user'"),
        Arguments.of("{\"user\": \"alice\", \"items\": [\"i1\"]}", 400, "items", "exactly one"),
        Arguments.of("{\"user\": 7}", 400, "user", "must be a string, got the number 7"),
        Arguments.of("{\"user\": \" \"}", 400, "user", "must not be blank"),
        Arguments.of("{\"user\": \"nobody\"}", 404, "user", "unknown user id 'nobody'"),
        Arguments.of("{\"items\": []}", 400, "items", "is empty"),
        Arguments.of("{\"items\": \"i1\"}", 400, "items", "must be a list"),
        Arguments.of("{\"items\": [\"i1\", 3]}", 400, "items[1]", "non-blank item id"),
        Arguments.of("{\"items\": [\"i1\", \"zz\"]}", 404, "items[1]", "unknown item id 'zz'"),
        Arguments.of(
            "{\"items\": [\"i1\", \"i2\", \"i3\", \"i4\", \"i5\", \"i6\"]}",
            413,
            "items",
            "at most 5"),
        Arguments.of("{\"user\": \"alice\", \"k\": 0}", 400, "k", "'k' = 0 must be in [1, 50]"),
        Arguments.of("{\"user\": \"alice\", \"k\": 51}", 400, "k", "must be in [1, 50]"),
        Arguments.of("{\"user\": \"alice\", \"k\": 2.5}", 400, "k", "must be an integer"),
        Arguments.of("{\"user\": \"alice\", \"k\": \"3\"}", 400, "k", "must be an integer"),
        Arguments.of("{\"user\": \"alice\", \"history\": \"keep\"}", 400, "history", "\"keep\""),
        Arguments.of(
            "{\"user\": \"alice\", \"history\": \"penalty\"}", 400, "historyPenalty", "needs"),
        Arguments.of(
            "{\"user\": \"alice\", \"history\": \"exclude\", \"historyPenalty\": 0.1}",
            400,
            "historyPenalty",
            "needs \"history\": \"penalty\""),
        Arguments.of(
            "{\"user\": \"alice\", \"historyPenalty\": -0.1}", 400, "historyPenalty", ">= 0"),
        Arguments.of(
            "{\"user\": \"alice\", \"locate\": [\"nope\"]}", 404, "locate[0]", "unknown item"));
  }

  @ParameterizedTest
  @MethodSource("badRecommendations")
  void refusesABadRecommendationRequest(String body, int status, String field, String message)
      throws Exception {
    assertRefused(post(server, "/api/recommend", body), status, field, message);
  }

  static Stream<Arguments> badAdditions() {
    String tooMany = "{\"items\": [" + String.join(", ", Collections.nCopies(4, item("x"))) + "]}";
    return Stream.of(
        Arguments.of("{}", 400, "items", "must be a list"),
        Arguments.of("{\"items\": []}", 400, "items", "is empty"),
        Arguments.of(tooMany, 413, "items", "at most 3"),
        Arguments.of("{\"items\": [7]}", 400, "items[0]", "must be an object"),
        Arguments.of(
            "{\"items\": [{\"attributes\": {\"title\": \"t\"}}]}", 400, "items[0].id", "required"),
        Arguments.of("{\"items\": [{\"id\": \"n\"}]}", 400, "items[0].attributes", "non-empty"),
        Arguments.of(
            "{\"items\": [{\"id\": \"n\", \"attributes\": {\"title\": 3}}]}",
            400,
            "items[0].attributes.title",
            "must be a string"),
        Arguments.of(
            "{\"items\": [{\"id\": \"n\", \"attributes\": {\"title\": \" \"}}]}",
            400,
            "items[0].attributes",
            "no text"),
        Arguments.of(
            "{\"items\": [{\"id\": \"n\", \"attributes\": {\"t\": \"a\"}, \"price\": 3}]}",
            400,
            "items[0].price",
            "unknown field"),
        Arguments.of(
            "{\"items\": [" + item("n") + ", " + item("n") + "]}",
            400,
            "items[1].id",
            "appears twice"),
        Arguments.of("{\"items\": [" + item("i3") + "]}", 409, "items[0].id", "already"));
  }

  private static String item(String id) {
    return "{\"id\": \"" + id + "\", \"attributes\": {\"title\": \"a new thing\"}}";
  }

  @ParameterizedTest
  @MethodSource("badAdditions")
  void refusesABadAddition(String body, int status, String field, String message) throws Exception {
    assertRefused(post(server, "/api/items", body), status, field, message);
  }

  @Test
  void refusesUnknownThingsByPath() throws Exception {
    assertRefused(get(server, "/api/items/nope"), 404, "id", "unknown item id 'nope'");
    assertRefused(get(server, "/api/users/nobody"), 404, "id", "unknown user id 'nobody'");
    assertRefused(get(server, "/api/nothing"), 404, null, "no endpoint at /api/nothing");
    assertRefused(get(server, "/api/items/"), 404, null, "no endpoint");
    assertRefused(get(server, "/api/users?limit=abc"), 400, "limit", "must be an integer");
    assertRefused(get(server, "/api/users?limit=101"), 400, "limit", "must be in [1, 100]");
  }

  @Test
  void refusesAWrongMethodNamingTheAllowedOnes() throws Exception {
    Response r = get(server, "/api/recommend");
    assertRefused(r, 405, null, "GET is not allowed on /api/recommend; use POST");
    assertThat(r.raw().headers().firstValue("Allow")).hasValue("POST");
    Response delete =
        ServeFixture.send(
            HttpRequest.newBuilder(ServeFixture.uri(server, "/api/items/i1")).DELETE());
    assertRefused(delete, 405, null, "use GET");
  }

  @Test
  void refusesABodyOverTheLimit() throws Exception {
    // Declared by Content-Length (8192 is the fixture's limit): refused before it is read.
    String big = "{\"user\": \"alice\", \"pad\": \"" + "x".repeat(9000) + "\"}";
    assertRefused(post(server, "/api/recommend", big), 413, "body", "at most 8192");
    // Without a length (chunked): refused once the limit is crossed.
    Response chunked =
        ServeFixture.send(
            HttpRequest.newBuilder(ServeFixture.uri(server, "/api/recommend"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))));
    assertRefused(chunked, 413, "body", "larger than 8192 bytes");
    // The server still answers afterwards.
    assertThat(post(server, "/api/recommend", "{\"user\": \"alice\"}").status()).isEqualTo(200);
  }

  @Test
  void refusesABodyThatIsNotJson() throws Exception {
    Response r =
        ServeFixture.send(
            HttpRequest.newBuilder(ServeFixture.uri(server, "/api/recommend"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("user=alice")));
    assertRefused(r, 415, "Content-Type", "must be application/json, got 'text/plain'");
  }

  private static void assertRefused(Response r, int status, String field, String message) {
    assertThat(r.status()).as("status of %s", r.text()).isEqualTo(status);
    assertThat(r.json().get("status").asInt()).isEqualTo(status);
    assertThat(r.json().get("error").asText()).contains(message);
    if (field == null) {
      assertThat(r.json().has("field")).as("field of %s", r.text()).isFalse();
    } else {
      assertThat(r.json().get("field").asText()).isEqualTo(field);
    }
  }
}
