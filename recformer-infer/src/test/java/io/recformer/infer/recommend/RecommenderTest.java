package io.recformer.infer.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.IndexFileException;
import io.recformer.infer.index.OpenOptions;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The facade over the committed tiny bundle (a random-weight model exported by recformer-train).
 */
class RecommenderTest {

  private static RecformerEncoder encoder;
  private static ItemCatalog catalog;

  @TempDir Path temp;

  static Path bundle() {
    try {
      return Path.of(RecommenderTest.class.getResource("/bundles/tiny").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeAll
  static void open() throws IOException {
    encoder = RecformerEncoder.open(bundle());
    catalog =
        ItemCatalog.of(
            List.of(
                Item.of(
                    "i1",
                    "title",
                    "Gorilla wood glue",
                    "brand",
                    "Gorilla",
                    "category",
                    "tools & home"),
                Item.of("i2", "title", "IKEA desk lamps", "brand", "IKEA", "category", "home"),
                Item.of("i3", "title", "nikon camera lens", "brand", "Nikon", "category", "camera"),
                Item.of("i4", "title", "wood lamp", "brand", "IKEA", "category", "home"),
                Item.of("i5", "title", "glue for lens", "category", "tools")));
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  private static double cosine(float[] a, float[] b) {
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

  @Test
  void ranksTheCatalogByCosineAndLeavesTheHistoryOut() {
    Recommender recommender = Recommender.build(encoder, catalog);
    List<String> history = List.of("i1", "i3");
    List<Recommendation> top = recommender.recommend(history, 10);

    // Oracle: brute-force cosine between independently computed vectors.
    float[] user = encoder.encodeHistory(catalog.resolve(history));
    List<Item> candidates = new ArrayList<>(catalog.items());
    candidates.removeIf(item -> history.contains(item.id()));
    candidates.sort(
        Comparator.comparingDouble((Item item) -> -cosine(user, encoder.embedItem(item))));

    assertThat(top)
        .extracting(Recommendation::itemId)
        .containsExactlyElementsOf(candidates.stream().map(Item::id).toList());
    for (Recommendation r : top) {
      assertThat((double) r.score())
          .isCloseTo(cosine(user, encoder.embedItem(r.item())), within(1e-5));
      assertThat(r.rank()).isEqualTo(top.indexOf(r));
    }
    assertThat(recommender.recommend(history, 2)).hasSize(2);
    assertThat(
            recommender.recommend(history, 10, RecommendOptions.DEFAULTS.withExcludeHistory(false)))
        .extracting(Recommendation::itemId)
        .contains("i1", "i3");
    assertThat(
            recommender.recommend(
                history, 10, RecommendOptions.DEFAULTS.withFilter(id -> !id.equals("i4"))))
        .extracting(Recommendation::itemId)
        .doesNotContain("i4", "i1", "i3")
        .hasSize(2);
  }

  /**
   * With history kept and a penalty, the list is the brute-force ranking of cosine minus the
   * penalty on history items, for every cut k (the index is asked for only k + h candidates).
   */
  @Test
  void aHistoryPenaltyLowersTheUsersOwnItemsBeforeTheCut() {
    Recommender recommender = Recommender.build(encoder, catalog);
    List<String> history = List.of("i1", "i3", "i1");
    float[] user = encoder.encodeHistory(catalog.resolve(history));
    for (double penalty : new double[] {0.01, 0.05, 0.3, 10}) {
      List<Item> oracle = new ArrayList<>(catalog.items());
      oracle.sort(
          Comparator.comparingDouble(
              (Item item) ->
                  -(cosine(user, encoder.embedItem(item))
                      - (history.contains(item.id()) ? penalty : 0))));
      for (int k = 1; k <= 5; k++) {
        List<Recommendation> top =
            recommender.recommend(
                history, k, RecommendOptions.DEFAULTS.withHistoryPenalty(penalty));
        assertThat(top)
            .as("penalty %s, k %d", penalty, k)
            .extracting(Recommendation::itemId)
            .containsExactlyElementsOf(oracle.subList(0, k).stream().map(Item::id).toList());
        for (Recommendation r : top) {
          double expected =
              cosine(user, encoder.embedItem(r.item()))
                  - (history.contains(r.itemId()) ? penalty : 0);
          assertThat((double) r.score()).isCloseTo(expected, within(1e-5));
          assertThat(r.rank()).isEqualTo(top.indexOf(r));
        }
      }
    }
    List<String> all =
        recommender.recommend(history, 5, RecommendOptions.DEFAULTS.withHistoryPenalty(10)).stream()
            .map(Recommendation::itemId)
            .toList();
    assertThat(all.subList(3, 5)).as("history last").containsExactlyInAnyOrder("i1", "i3");
    assertThatThrownBy(() -> RecommendOptions.DEFAULTS.withHistoryPenalty(-1))
        .hasMessageContaining("historyPenalty = -1.0 must be a finite number >= 0");
  }

  @Test
  void coldStartItemsAreRecommendableWithoutRebuilding() {
    Recommender recommender = Recommender.build(encoder, catalog);
    Item fresh =
        Item.of("new-1", "title", "nikon lens glue", "brand", "Nikon", "category", "camera");
    recommender.addItems(List.of(fresh));
    assertThat(recommender.size()).isEqualTo(6);
    List<Recommendation> top = recommender.recommend(List.of("i3"), 10);
    assertThat(top).extracting(Recommendation::itemId).contains("new-1");
    Recommendation recommended =
        top.stream().filter(r -> r.itemId().equals("new-1")).findFirst().orElseThrow();
    float[] user = encoder.encodeHistory(List.of(catalog.get("i3")));
    assertThat((double) recommended.score())
        .isCloseTo(cosine(user, encoder.embedItem(fresh)), within(1e-5));
    // A history may hold items known only by their text.
    assertThat(recommender.recommendForItems(List.of(fresh), 3, RecommendOptions.DEFAULTS))
        .extracting(Recommendation::itemId)
        .doesNotContain("new-1")
        .hasSize(3);
    assertThatThrownBy(() -> recommender.addItems(List.of(fresh)))
        .hasMessageContaining("item 'new-1' is already known");
  }

  @Test
  void savedIndexReopensWithTheSameResultsAndRefusesAnotherCatalog() throws IOException {
    Recommender recommender = Recommender.build(encoder, catalog);
    Path file = temp.resolve("items.rfidx");
    recommender.saveIndex(file);
    Recommender reopened = Recommender.open(encoder, catalog, file);
    assertThat(reopened.recommend(List.of("i2"), 4))
        .isEqualTo(recommender.recommend(List.of("i2"), 4));
    Recommender inHeap =
        Recommender.open(encoder, catalog, file, OpenOptions.DEFAULTS.withVectorsInHeap(true));
    assertThat(inHeap.recommend(List.of("i2"), 4))
        .isEqualTo(recommender.recommend(List.of("i2"), 4));

    ItemCatalog other = ItemCatalog.of(catalog.items().subList(0, 4));
    assertThatThrownBy(() -> Recommender.open(encoder, other, file))
        .hasMessageContaining("holds 5 items, the catalog 4");
  }

  @Test
  void indexFromAnotherModelIsRefused() throws IOException {
    Path file = temp.resolve("other.rfidx");
    ExactItemIndex.build(
            List.of("i1", "i2", "i3", "i4", "i5"),
            new float[][] {{1, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 1}},
            "sha256:someothermodel")
        .save(file);
    assertThatThrownBy(() -> Recommender.open(encoder, catalog, file))
        .isInstanceOf(IndexFileException.class)
        .hasMessageContaining("someothermodel");
    // Options cannot loosen the fingerprint check.
    assertThatThrownBy(
            () ->
                Recommender.open(
                    encoder, catalog, file, OpenOptions.DEFAULTS.withVectorsInHeap(true)))
        .isInstanceOf(IndexFileException.class)
        .hasMessageContaining("someothermodel");
  }

  @Test
  void badInputNamesTheProblem() {
    Recommender recommender = Recommender.build(encoder, catalog);
    assertThatThrownBy(() -> recommender.recommend(List.of("i1", "zz"), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown item id 'zz' in the history");
    assertThatThrownBy(() -> recommender.recommend(List.of(), 3))
        .hasMessageContaining("empty history");
    assertThatThrownBy(() -> recommender.recommend(List.of("i1"), -1))
        .hasMessageContaining("k = -1 must be >= 0");
    assertThatThrownBy(() -> recommender.addItems(List.of(Item.of("blank", "title", " "))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(recommender.size()).isEqualTo(5);
    assertThat(Files.exists(temp)).isTrue();
  }
}
