package io.recformer.serve;

import static io.recformer.serve.ServeFixture.ITEMS;
import static io.recformer.serve.ServeFixture.OPTIONS;
import static io.recformer.serve.ServeFixture.USERS;
import static io.recformer.serve.ServeFixture.get;
import static io.recformer.serve.ServeFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.Recommender;
import io.recformer.infer.recommend.RecommenderOptions;
import io.recformer.serve.ServeFixture.Response;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarts on the same catalog directory, the graceful stop with requests in flight, and health
 * after damage.
 */
class ServeLifecycleTest {

  private static RecformerEncoder encoder;

  @TempDir Path dir;

  @BeforeAll
  static void openEncoder() throws Exception {
    encoder = ServeFixture.openEncoder();
  }

  @AfterAll
  static void closeEncoder() {
    encoder.close();
  }

  private RecformerServer create(Path catalog) throws IOException {
    return RecformerServer.start(
        Recommender.create(encoder, ItemCatalog.of(ITEMS), catalog, RecommenderOptions.defaults()),
        UserDirectory.of(USERS),
        OPTIONS);
  }

  private RecformerServer reopen(Path catalog) throws IOException {
    return RecformerServer.start(
        Recommender.open(encoder, catalog, RecommenderOptions.defaults()),
        UserDirectory.of(USERS),
        OPTIONS);
  }

  @Test
  void anAddedItemSurvivesARestartOnTheSameCatalog() throws Exception {
    Path catalog = dir.resolve("catalog");
    RecformerServer first = create(catalog);
    String body =
        "{\"items\": [{\"id\": \"cold-1\", \"attributes\": {\"title\": \"wood glue brush\","
            + " \"brand\": \"Gorilla\", \"category\": \"tools\"}}]}";
    assertThat(post(first, "/api/items", body).status()).isEqualTo(201);
    Response before =
        post(first, "/api/recommend", "{\"user\": \"alice\", \"locate\": [\"cold-1\"]}");
    int port = first.port();
    first.stop();
    assertThatThrownBy(() -> get(first, "/api/health")).isInstanceOf(ConnectException.class);

    RecformerServer second = reopen(catalog);
    try {
      assertThat(second.port()).isNotEqualTo(0);
      Response item = get(second, "/api/items/cold-1");
      assertThat(item.status()).isEqualTo(200);
      assertThat(item.json().get("attributes").get("brand").asText()).isEqualTo("Gorilla");
      assertThat(get(second, "/api/health").json().get("catalog").get("items").asInt())
          .isEqualTo(13);
      Response after =
          post(second, "/api/recommend", "{\"user\": \"alice\", \"locate\": [\"cold-1\"]}");
      // Same vectors after the restart: the same list and the same rank for the new item.
      assertThat(after.json().get("recommendations"))
          .isEqualTo(before.json().get("recommendations"));
      assertThat(after.json().get("located")).isEqualTo(before.json().get("located"));
      // Adding it again is a conflict, not a second copy.
      assertThat(post(second, "/api/items", body).status()).isEqualTo(409);
    } finally {
      second.stop();
    }
    assertThat(port).isPositive();
  }

  @Test
  void stopDrainsARequestInFlightAndRefusesNewOnes() throws Exception {
    Path catalog = dir.resolve("catalog");
    RecformerServer server = create(catalog);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.beforeHandling(
        endpoint -> {
          if (endpoint.equals("POST /api/recommend")) {
            entered.countDown();
            await(release);
          }
        });
    CompletableFuture<Response> inFlight =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return post(server, "/api/recommend", "{\"user\": \"bob\", \"k\": 3}");
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(server.inFlight()).isEqualTo(1);

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::stop);
    // While draining, a new request is refused with 503 (the listener closes after the drain).
    Response refused = waitForRefusal(server);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.json().get("error").asText()).contains("shutting down");
    assertThat(stopping).isNotDone();

    release.countDown();
    Response answered = inFlight.get(20, TimeUnit.SECONDS);
    assertThat(answered.status()).isEqualTo(200);
    assertThat(answered.json().get("recommendations")).hasSize(3);
    stopping.get(20, TimeUnit.SECONDS);
    assertThat(server.inFlight()).isZero();
    // The recommender and its catalog were closed: the directory's lock is free again.
    RecformerServer again = reopen(catalog);
    again.stop();
  }

  @Test
  void stopGivesUpOnARequestThatOutlivesTheDrainTimeout() throws Exception {
    Recommender recommender = Recommender.build(encoder, ItemCatalog.of(ITEMS));
    RecformerServer server =
        RecformerServer.start(
            recommender, UserDirectory.of(USERS), OPTIONS.withDrainTimeout(Duration.ofMillis(200)));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.beforeHandling(
        endpoint -> {
          entered.countDown();
          await(release);
        });
    CompletableFuture<Response> stuck =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return get(server, "/api/health");
              } catch (IOException e) {
                return null; // the connection was closed under it: expected
              }
            });
    try {
      assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
      // Returns although the request is still blocked: the drain has a bound.
      server.stop();
      assertThat(release.getCount()).isEqualTo(1);
      assertThatThrownBy(() -> recommender.recommend(List.of("i1"), 1))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    } finally {
      release.countDown();
    }
    Response late = stuck.get(20, TimeUnit.SECONDS);
    if (late != null) {
      assertThat(late.status()).isIn(200, 500, 503);
    }
  }

  @Test
  void healthTurnsUnhealthyWhenTheBackgroundVerificationFindsDamage() throws Exception {
    Path file = dir.resolve("items.rfidx");
    try (Recommender recommender = Recommender.build(encoder, ItemCatalog.of(ITEMS))) {
      recommender.saveIndex(file);
    }
    byte[] bytes = Files.readAllBytes(file);
    long vectors = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
    bytes[(int) vectors + 5 * 16 * Float.BYTES + 2] ^= 0x04; // one bit of item 6's vector
    Files.write(file, bytes);
    RecformerServer server =
        RecformerServer.start(
            Recommender.open(encoder, ItemCatalog.of(ITEMS), file, RecommenderOptions.defaults()),
            UserDirectory.of(USERS),
            OPTIONS);
    try {
      Response health = get(server, "/api/health");
      for (int i = 0; i < 600 && health.json().get("status").asText().equals("verifying"); i++) {
        Thread.sleep(50);
        health = get(server, "/api/health");
      }
      assertThat(health.status()).isEqualTo(503);
      assertThat(health.json().get("status").asText()).isEqualTo("unhealthy");
      assertThat(health.json().get("catalog").get("detail").asText()).contains("checksum");
    } finally {
      server.stop();
    }
  }

  private static Response waitForRefusal(RecformerServer server) throws Exception {
    for (int attempt = 0; attempt < 200; attempt++) {
      Response r = get(server, "/api/health");
      if (r.status() == 503) {
        return r;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the server never started refusing requests while draining");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
