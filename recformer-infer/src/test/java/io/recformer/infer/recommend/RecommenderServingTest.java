package io.recformer.infer.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.catalog.Catalog;
import io.recformer.infer.catalog.ItemStore;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.ChecksumMismatchException;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.OpenOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recommender as a service uses it: batches, concurrent requests during additions, a durable
 * catalog directory, changed item text, verification and health, any index implementation.
 */
class RecommenderServingTest {

  private static RecformerEncoder encoder;
  private static ItemCatalog catalog;

  @TempDir Path temp;

  @BeforeAll
  static void open() throws IOException {
    encoder = RecformerEncoder.open(RecommenderTest.bundle());
    catalog = ItemCatalog.of(catalogItems(40));
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  static List<Item> catalogItems(int n) {
    String[] words = {"wood", "glue", "lamp", "desk", "lens", "camera", "nikon", "ikea", "tool"};
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(
          Item.of(
              "i" + i,
              "title",
              words[i % words.length] + " " + words[(i * 7 + 3) % words.length] + " " + i,
              "brand",
              words[(i * 5 + 1) % words.length]));
    }
    return items;
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  private static final List<List<String>> HISTORIES =
      List.of(List.of("i1", "i3"), List.of("i7"), List.of("i2", "i9", "i2", "i30"), List.of("i39"));

  @Test
  void recommendAllEqualsOneRequestPerUserForEveryOption() {
    try (Recommender recommender = Recommender.build(encoder, catalog)) {
      for (RecommendOptions options :
          List.of(
              RecommendOptions.DEFAULTS,
              RecommendOptions.DEFAULTS.withExcludeHistory(false),
              RecommendOptions.DEFAULTS.withHistoryPenalty(0.05),
              RecommendOptions.DEFAULTS.withFilter(id -> !id.endsWith("5")))) {
        for (int k : new int[] {1, 5, 40}) {
          List<List<Recommendation>> batch = recommender.recommendAll(HISTORIES, k, options);
          assertThat(batch).hasSize(HISTORIES.size());
          for (int u = 0; u < HISTORIES.size(); u++) {
            // The encoder pads a batch to its longest history, which moves scores by ~1e-7.
            assertSameList(
                batch.get(u), recommender.recommend(HISTORIES.get(u), k, options), "user " + u);
          }
        }
      }
      assertThat(recommender.recommendAll(List.of(), 3, RecommendOptions.DEFAULTS)).isEmpty();
      assertThatThrownBy(
              () ->
                  recommender.recommendAll(
                      List.of(List.of("i1"), List.of("nope")), 3, RecommendOptions.DEFAULTS))
          .hasMessageContaining("unknown item id 'nope' in the history of user 1");
      assertThatThrownBy(
              () ->
                  recommender.recommendAll(
                      List.of(List.of("i1"), List.of()), 3, RecommendOptions.DEFAULTS))
          .hasMessageContaining("cannot recommend from an empty history (user 1)");
    }
  }

  /** Any {@code ItemIndex} serves: here a list-backed one, with additions. */
  @Test
  void anyIndexImplementationServesAndGrows() throws IOException {
    float[][] vectors = encoder.embedItems(catalog.items());
    ListIndex index =
        new ListIndex(
            catalog.items().stream().map(Item::id).toList(),
            Arrays.asList(vectors),
            Opening.fingerprint(encoder));
    try (Catalog memory = Catalog.inMemory(ItemStore.of(catalog), index);
        Recommender recommender = Recommender.of(encoder, memory, RecommenderOptions.defaults());
        Recommender exact = Recommender.build(encoder, catalog)) {
      for (List<String> history : HISTORIES) {
        assertSameList(
            recommender.recommend(history, 8), exact.recommend(history, 8), history.toString());
      }
      Item fresh = Item.of("fresh", "title", "nikon wood lens", "brand", "nikon");
      recommender.addItems(List.of(fresh));
      assertThat(memory.index()).isInstanceOf(ListIndex.class);
      assertThat(recommender.recommendForItems(List.of(fresh), 41, RecommendOptions.DEFAULTS))
          .hasSize(40)
          .extracting(Recommendation::itemId)
          .doesNotContain("fresh");
    }
  }

  /**
   * Additions during concurrent requests never tear a result: every returned item is complete (its
   * text is the added text) and its score is the cosine of independently computed vectors.
   */
  @Test
  void additionsDuringConcurrentRequestsNeverTearAResult() throws Exception {
    List<Item> added = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      added.add(Item.of("new" + i, "title", "added lamp " + i, "brand", "b" + (i % 4)));
    }
    Map<String, float[]> vectors = new ConcurrentHashMap<>();
    List<Item> all = new ArrayList<>(catalog.items());
    all.addAll(added);
    float[][] embedded = encoder.embedItems(all);
    for (int i = 0; i < all.size(); i++) {
      vectors.put(all.get(i).id(), embedded[i]);
    }
    Map<String, Item> byId = new ConcurrentHashMap<>();
    all.forEach(item -> byId.put(item.id(), item));
    float[][] users = encoder.encodeHistories(HISTORIES.stream().map(catalog::resolve).toList());

    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Recommender recommender =
        Recommender.build(encoder, catalog, RecommenderOptions.defaults().withScanExecutor(pool))) {
      AtomicBoolean adding = new AtomicBoolean(true);
      BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
      List<Future<Integer>> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int thread = t;
        readers.add(
            pool.submit(
                () -> {
                  int checked = 0;
                  for (int round = 0; adding.get() || round < 3; round++) {
                    int u = (thread + round) % HISTORIES.size();
                    List<List<Recommendation>> lists =
                        round % 2 == 0
                            ? List.of(recommender.recommend(HISTORIES.get(u), 100))
                            : recommender.recommendAll(HISTORIES, 100, RecommendOptions.DEFAULTS);
                    for (int l = 0; l < lists.size(); l++) {
                      int user = lists.size() == 1 ? u : l;
                      for (Recommendation r : lists.get(l)) {
                        assertThat(r.item()).isEqualTo(byId.get(r.itemId()));
                        assertThat((double) r.score())
                            .isCloseTo(cosine(users[user], vectors.get(r.itemId())), within(1e-5));
                        checked++;
                      }
                    }
                  }
                  return checked;
                }));
      }
      try {
        for (int i = 0; i < added.size(); i += 3) {
          recommender.addItems(added.subList(i, i + 3));
        }
      } finally {
        adding.set(false);
      }
      for (Future<Integer> reader : readers) {
        try {
          assertThat(reader.get(120, TimeUnit.SECONDS)).isPositive();
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        }
      }
      assertThat(failures).isEmpty();
      assertThat(recommender.size()).isEqualTo(100);
      assertThat(recommender.recommend(List.of("i1"), 100)).hasSize(99);
    } finally {
      pool.shutdown();
    }
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aCatalogDirectoryKeepsAdditionsAcrossRestarts() throws IOException {
    Path dir = temp.resolve("catalog");
    Item fresh = Item.of("fresh", "title", "nikon wood lens", "brand", "nikon");
    List<Recommendation> before;
    try (Recommender recommender =
        Recommender.create(encoder, catalog, dir, RecommenderOptions.defaults())) {
      recommender.addItems(List.of(fresh));
      before = recommender.recommend(List.of("i6"), 10);
    }
    try (Recommender reopened = Recommender.open(encoder, dir, RecommenderOptions.defaults())) {
      assertThat(reopened.size()).isEqualTo(41);
      assertThat(reopened.item("fresh")).contains(fresh);
      assertThat(reopened.recommend(List.of("i6"), 10)).isEqualTo(before);
      assertThatThrownBy(() -> reopened.addItems(List.of(fresh)))
          .hasMessageContaining("item 'fresh' is already known");
      reopened.checkpoint();
      assertThat(reopened.recommend(List.of("i6"), 10)).isEqualTo(before);
    }
    // Without the directory the same restart fails, as it did before catalog directories.
    try (Recommender memory = Recommender.build(encoder, catalog)) {
      memory.addItems(List.of(fresh));
      Path file = temp.resolve("grown.rfidx");
      memory.saveIndex(file);
      assertThatThrownBy(() -> Recommender.open(encoder, catalog, file))
          .hasMessageContaining("holds 41 items, the catalog 40")
          .hasMessageContaining("serve a growing catalog from a catalog directory");
    }
  }

  /** An id whose text changed is re-encoded (or refused), in an index file and in a directory. */
  @Test
  void changedItemTextIsReencodedOrReported() throws IOException {
    Path file = temp.resolve("items.rfidx");
    try (Recommender recommender = Recommender.build(encoder, catalog)) {
      recommender.saveIndex(file);
    }
    List<Item> items = new ArrayList<>(catalog.items());
    Item changed = Item.of("i4", "title", "a completely different camera", "brand", "nikon");
    items.set(4, changed);
    ItemCatalog current = ItemCatalog.of(items);
    float[] user = encoder.encodeHistory(List.of(catalog.get("i1")));
    try (Recommender reopened = Recommender.open(encoder, current, file)) {
      Recommendation r =
          reopened.recommend(List.of("i1"), 40).stream()
              .filter(x -> x.itemId().equals("i4"))
              .findFirst()
              .orElseThrow();
      assertThat(r.item()).isEqualTo(changed);
      assertThat((double) r.score())
          .isCloseTo(cosine(user, encoder.embedItem(changed)), within(1e-5));
    }
    RecommenderOptions strict =
        RecommenderOptions.defaults().withOnChangedText(RecommenderOptions.ChangedText.FAIL);
    assertThatThrownBy(() -> Recommender.open(encoder, current, file, strict))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            file
                + ": the text of 1 item ('i4') changed since their vectors were computed; rebuild"
                + " the index, or open with ChangedText.REENCODE to re-encode them");

    Path dir = temp.resolve("catalog");
    Recommender.create(encoder, catalog, dir, RecommenderOptions.defaults()).close();
    assertThatThrownBy(() -> Recommender.open(encoder, dir, current, strict))
        .hasMessageContaining("the text of 1 item ('i4') changed");
    items.add(Item.of("i40", "title", "brand new lamp"));
    try (Recommender synced =
        Recommender.open(encoder, dir, ItemCatalog.of(items), RecommenderOptions.defaults())) {
      assertThat(synced.size()).isEqualTo(41);
      assertThat(synced.item("i4")).contains(changed);
    }
    // Durably: a plain reopen serves the re-encoded vector.
    try (Recommender again = Recommender.open(encoder, dir, RecommenderOptions.defaults())) {
      Recommendation r =
          again.recommend(List.of("i1"), 41).stream()
              .filter(x -> x.itemId().equals("i4"))
              .findFirst()
              .orElseThrow();
      assertThat((double) r.score())
          .isCloseTo(cosine(user, encoder.embedItem(changed)), within(1e-5));
    }
  }

  @Test
  void aFlippedVectorByteIsFoundInTheBackgroundOrRefusedOnAVerifiedOpen() throws Exception {
    Path file = temp.resolve("items.rfidx");
    try (Recommender recommender = Recommender.build(encoder, catalog)) {
      assertThat(recommender.health().status()).isEqualTo(Health.Status.HEALTHY);
      recommender.saveIndex(file);
    }
    byte[] bytes = Files.readAllBytes(file);
    long vectorsOffset = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
    bytes[(int) vectorsOffset + 7 * 16 * Float.BYTES + 1] ^= 0x04;
    Files.write(file, bytes);

    BlockingQueue<Health> reports = new LinkedBlockingQueue<>();
    try (Recommender fast =
        Recommender.open(
            encoder,
            catalog,
            file,
            RecommenderOptions.defaults().withHealthListener(reports::add))) {
      Health report = reports.poll(60, TimeUnit.SECONDS);
      assertThat(report).isNotNull();
      assertThat(report.status()).isEqualTo(Health.Status.UNHEALTHY);
      assertThat(report.detail())
          .startsWith(
              "item index " + file + ": checksum mismatch in the vectors section: expected ");
      assertThat(fast.health()).isEqualTo(report);
      assertThat(fast.recommend(List.of("i1"), 3)).hasSize(3); // still answers; the service decides
    }
    assertThatThrownBy(
            () ->
                Recommender.open(
                    encoder, catalog, file, RecommenderOptions.defaults().withVerify(true)))
        .isInstanceOf(ChecksumMismatchException.class)
        .hasMessageContaining("vectors section");
    assertThatThrownBy(
            () -> Recommender.open(encoder, catalog, file, OpenOptions.DEFAULTS.withVerify(true)))
        .isInstanceOf(ChecksumMismatchException.class);
    assertThatThrownBy(() -> ExactItemIndex.verify(file))
        .isInstanceOf(ChecksumMismatchException.class);
  }

  @Test
  void closeIsIdempotentAndLeavesTheCallersExecutorRunning() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Recommender recommender =
          Recommender.build(
              encoder,
              catalog,
              RecommenderOptions.defaults().withScanExecutor(pool).withScanThreads(2));
      assertThat(recommender.recommend(List.of("i1"), 2)).hasSize(2);
      recommender.close();
      recommender.close();
      assertThatThrownBy(() -> recommender.recommend(List.of("i1"), 2))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("recommender is closed");
      assertThat(pool.isShutdown()).isFalse();
    } finally {
      pool.shutdown();
    }
    assertThatThrownBy(() -> RecommenderOptions.defaults().withScanPoolThreads(0))
        .hasMessage("scanPoolThreads = 0 is out of range: must be >= 1");
  }

  static void assertSameList(
      List<Recommendation> actual, List<Recommendation> expected, String what) {
    assertThat(actual).as(what).extracting(Recommendation::itemId).isEqualTo(ids(expected));
    for (int i = 0; i < actual.size(); i++) {
      assertThat(actual.get(i).item()).isEqualTo(expected.get(i).item());
      assertThat(actual.get(i).rank()).isEqualTo(i);
      assertThat(actual.get(i).score()).as(what).isCloseTo(expected.get(i).score(), within(1e-5f));
    }
  }

  private static List<String> ids(List<Recommendation> list) {
    return list.stream().map(Recommendation::itemId).toList();
  }
}
