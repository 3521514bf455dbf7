package io.recformer.serve;

import static io.recformer.serve.ServeFixture.ITEMS;
import static io.recformer.serve.ServeFixture.OPTIONS;
import static io.recformer.serve.ServeFixture.USERS;
import static io.recformer.serve.ServeFixture.get;
import static io.recformer.serve.ServeFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.RecommendOptions;
import io.recformer.infer.recommend.Recommendation;
import io.recformer.infer.recommend.Recommender;
import io.recformer.infer.recommend.RecommenderOptions;
import io.recformer.serve.ServeFixture.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint over real HTTP on 127.0.0.1, checked against an in-memory {@link Recommender} on
 * the same encoder and items (the oracle for what the JSON must carry).
 */
class ServeEndpointsTest {

  private static RecformerEncoder encoder;
  private static Recommender oracle;

  @TempDir Path dir;
  private RecformerServer server;

  @BeforeAll
  static void openEncoder() throws Exception {
    encoder = ServeFixture.openEncoder();
    oracle = Recommender.build(encoder, ItemCatalog.of(ITEMS));
  }

  @AfterAll
  static void closeEncoder() {
    oracle.close();
    encoder.close();
  }

  @BeforeEach
  void start() throws Exception {
    Recommender recommender =
        Recommender.create(
            encoder, ItemCatalog.of(ITEMS), dir.resolve("catalog"), RecommenderOptions.defaults());
    server = RecformerServer.start(recommender, UserDirectory.of(USERS), OPTIONS);
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  @Test
  void bindsLoopbackOnAnEphemeralPort() {
    assertThat(server.port()).isPositive();
    assertThat(server.uri().toString()).isEqualTo("http://127.0.0.1:" + server.port() + "/");
  }

  @Test
  void healthReportsTheCatalog() throws Exception {
    Response r = get(server, "/api/health");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("status").asText()).isEqualTo("ok");
    JsonNode catalog = r.json().get("catalog");
    assertThat(catalog.get("health").asText()).isEqualTo("HEALTHY");
    assertThat(catalog.get("items").asInt()).isEqualTo(12);
    assertThat(catalog.get("generation").asLong()).isEqualTo(1);
    assertThat(catalog.get("directory").asText()).isEqualTo(dir.resolve("catalog").toString());
    assertThat(r.json().get("users").asInt()).isEqualTo(3);
  }

  @Test
  void recommendsForAUserAsTheRecommenderDoes() throws Exception {
    Response r = post(server, "/api/recommend", "{\"user\": \"alice\", \"k\": 4}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("historyItems").asInt()).isEqualTo(3);
    assertThat(r.json().get("history").asText()).isEqualTo("exclude");
    assertSameList(
        r.json().get("recommendations"),
        oracle.recommend(List.of("i1", "i6", "i10"), 4, RecommendOptions.DEFAULTS));
  }

  @Test
  void recommendsForItemsWithEachHistoryPolicy() throws Exception {
    List<String> history = List.of("i2", "i5");
    assertSameList(
        post(server, "/api/recommend", "{\"items\": [\"i2\", \"i5\"], \"history\": \"include\"}")
            .json()
            .get("recommendations"),
        oracle.recommend(history, 10, RecommendOptions.DEFAULTS.withExcludeHistory(false)));
    Response penalty =
        post(server, "/api/recommend", "{\"items\": [\"i2\", \"i5\"], \"historyPenalty\": 0.3}");
    assertThat(penalty.json().get("history").asText()).isEqualTo("penalty");
    assertThat(penalty.json().get("historyPenalty").asDouble()).isEqualTo(0.3);
    assertSameList(
        penalty.json().get("recommendations"),
        oracle.recommend(history, 10, RecommendOptions.DEFAULTS.withHistoryPenalty(0.3)));
    // Default k is 10; with 2 of 12 items excluded, 10 remain.
    JsonNode excluded =
        post(server, "/api/recommend", "{\"items\": [\"i2\", \"i5\"]}")
            .json()
            .get("recommendations");
    assertThat(excluded).hasSize(10);
    assertSameList(excluded, oracle.recommend(history, 10, RecommendOptions.DEFAULTS));
  }

  @Test
  void locateGivesAnItemsRankInTheFullRanking() throws Exception {
    List<Recommendation> all = oracle.recommend(List.of("i4", "i7"), 12, RecommendOptions.DEFAULTS);
    Recommendation last = all.get(all.size() - 1);
    Response r =
        post(
            server,
            "/api/recommend",
            "{\"user\": \"bob\", \"k\": 2, \"locate\": [\"" + last.itemId() + "\", \"i4\"]}");
    assertThat(r.json().get("recommendations")).hasSize(2);
    JsonNode located = r.json().get("located");
    assertThat(located.get(0).get("id").asText()).isEqualTo(last.itemId());
    assertThat(located.get(0).get("rank").asInt()).isEqualTo(last.rank() + 1).isEqualTo(10);
    assertThat(located.get(0).get("score").floatValue()).isCloseTo(last.score(), within(1e-6f));
    // A history item with the history excluded has no rank and no score.
    assertThat(located.get(1).get("inHistory").asBoolean()).isTrue();
    assertThat(located.get(1).get("rank").isNull()).isTrue();
    assertThat(located.get(1).get("score").isNull()).isTrue();
  }

  @Test
  void locateBeyondTheDepthGivesTheScore() throws Exception {
    server.stop();
    Recommender recommender = Recommender.open(encoder, dir.resolve("catalog"), defaults());
    server =
        RecformerServer.start(recommender, UserDirectory.of(USERS), OPTIONS.withLocateDepth(3));
    List<Recommendation> all = oracle.recommend(List.of("i4", "i7"), 12, RecommendOptions.DEFAULTS);
    Recommendation fifth = all.get(4);
    JsonNode located =
        post(
                server,
                "/api/recommend",
                "{\"user\": \"bob\", \"k\": 1, \"locate\": [\"" + fifth.itemId() + "\"]}")
            .json()
            .get("located")
            .get(0);
    assertThat(located.get("rank").isNull()).isTrue();
    assertThat(located.get("beyond").asInt()).isEqualTo(3);
    assertThat(located.get("score").floatValue()).isCloseTo(fifth.score(), within(1e-6f));
  }

  @Test
  void searchesUsersAndShowsAHistoryWithTitles() throws Exception {
    Response search = get(server, "/api/users?q=" + "O");
    assertThat(search.status()).isEqualTo(200);
    // "bob" and "carol-2" contain "o" (case ignored); alice does not.
    assertThat(ids(search.json().get("users"))).containsExactly("bob", "carol-2");
    assertThat(search.json().get("users").get(0).get("historyLength").asInt()).isEqualTo(2);
    assertThat(ids(get(server, "/api/users?q=car&limit=1").json().get("users")))
        .containsExactly("carol-2");
    assertThat(ids(get(server, "/api/users").json().get("users")))
        .containsExactly("alice", "bob", "carol-2");

    Response carol = get(server, "/api/users/carol-2");
    assertThat(carol.status()).isEqualTo(200);
    JsonNode history = carol.json().get("history");
    assertThat(ids(history)).containsExactly("i2", "i5", "i9", "i12");
    assertThat(history.get(3).get("title").asText()).isEqualTo("office desk lamp");
  }

  @Test
  void looksUpAnItem() throws Exception {
    Response r = get(server, "/api/items/i4");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("title").asText()).isEqualTo("nikon camera lens");
    assertThat(r.json().get("attributes").get("brand").asText()).isEqualTo("Nikon");
    assertThat(r.json().get("attributes").size()).isEqualTo(3);
  }

  @Test
  void addedItemsAreRecommendableAtOnce() throws Exception {
    Response added =
        post(
            server,
            "/api/items",
            "{\"items\": [{\"id\": \"new 1/ä\", \"attributes\": {\"title\": \"camera lens cap\","
                + " \"brand\": \"Nikon\"}}]}");
    assertThat(added.status()).isEqualTo(201);
    assertThat(added.json().get("catalogSize").asInt()).isEqualTo(13);
    // The id needs percent-encoding in a path.
    assertThat(get(server, "/api/items/new%201%2F%C3%A4").json().get("title").asText())
        .isEqualTo("camera lens cap");

    oracle.addItems(List.of(Item.of("new 1/ä", "title", "camera lens cap", "brand", "Nikon")));
    try {
      Response r = post(server, "/api/recommend", "{\"user\": \"bob\", \"locate\": [\"new 1/ä\"]}");
      List<Recommendation> expected =
          oracle.recommend(List.of("i4", "i7"), 11, RecommendOptions.DEFAULTS);
      assertSameList(r.json().get("recommendations"), expected.subList(0, 10));
      int expectedRank =
          expected.stream()
                  .filter(e -> e.itemId().equals("new 1/ä"))
                  .findFirst()
                  .orElseThrow()
                  .rank()
              + 1;
      assertThat(r.json().get("located").get(0).get("rank").asInt()).isEqualTo(expectedRank);
    } finally {
      oracle.close();
      oracle = Recommender.build(encoder, ItemCatalog.of(ITEMS));
    }
  }

  @Test
  void concurrentRequestsEachGetTheirOwnAnswer() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<Response>> answers = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        String user = USERS.get(i % 3).userId();
        answers.add(
            clients.submit(
                () -> post(server, "/api/recommend", "{\"user\": \"" + user + "\", \"k\": 5}")));
      }
      for (int i = 0; i < answers.size(); i++) {
        Response r = answers.get(i).get();
        assertThat(r.status()).isEqualTo(200);
        assertSameList(
            r.json().get("recommendations"),
            oracle.recommend(USERS.get(i % 3).itemIds(), 5, RecommendOptions.DEFAULTS));
      }
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void countsRequestsErrorsAndLatencies() throws Exception {
    for (int i = 0; i < 3; i++) {
      post(server, "/api/recommend", "{\"user\": \"alice\"}");
    }
    post(server, "/api/recommend", "{\"user\": \"nobody\"}");
    get(server, "/api/items/i1");
    get(server, "/no/such/page");
    JsonNode endpoints = get(server, "/api/metrics").json().get("endpoints");
    JsonNode recommend = endpoints.get("POST /api/recommend");
    assertThat(recommend.get("requests").asLong()).isEqualTo(4);
    assertThat(recommend.get("clientErrors").asLong()).isEqualTo(1);
    assertThat(recommend.get("serverErrors").asLong()).isZero();
    assertThat(recommend.get("p50Millis").asDouble())
        .isPositive()
        .isLessThanOrEqualTo(recommend.get("p99Millis").asDouble());
    assertThat(endpoints.get("GET /api/items/{id}").get("requests").asLong()).isEqualTo(1);
    assertThat(endpoints.get("unmatched").get("clientErrors").asLong()).isEqualTo(1);
  }

  @Test
  void servesThePageWithoutOutsideResources() throws Exception {
    Response page = get(server, "/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.raw().headers().firstValue("Content-Type"))
        .hasValue("text/html; charset=utf-8");
    assertThat(page.text())
        .contains("<script src=\"app.js\"")
        .doesNotContain("http://", "https://");
    assertThat(page.raw().headers().firstValue("Content-Security-Policy").orElseThrow())
        .startsWith("default-src 'self'");
    Response script = get(server, "/app.js");
    assertThat(script.status()).isEqualTo(200);
    assertThat(script.text()).contains("/api/recommend").doesNotContain("http://", "https://");
    assertThat(get(server, "/app.css").text()).doesNotContain("@import", "url(");
  }

  private static RecommenderOptions defaults() {
    return RecommenderOptions.defaults();
  }

  static List<String> ids(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.get("id").asText()));
    return out;
  }

  static void assertSameList(JsonNode actual, List<Recommendation> expected) {
    assertThat(actual).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonNode node = actual.get(i);
      Recommendation r = expected.get(i);
      assertThat(node.get("id").asText()).as("id at %d", i).isEqualTo(r.itemId());
      assertThat(node.get("rank").asInt()).isEqualTo(i + 1);
      assertThat(node.get("title").asText()).isEqualTo(r.item().title());
      assertThat(node.get("score").floatValue())
          .as("score at %d", i)
          .isCloseTo(r.score(), within(1e-6f));
    }
  }
}
