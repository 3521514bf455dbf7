package io.recformer.data.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.TestData;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaveOneOutSplitTest {

  private static Dataset small() {
    ItemCatalog items =
        ItemCatalog.of(
            List.of(
                Item.of("a", "title", "A"),
                Item.of("b", "title", "B"),
                Item.of("c", "title", "C"),
                Item.of("d", "title", "D")));
    return Dataset.of(
        "s",
        items,
        List.of(
            new UserHistory("u1", List.of("a", "b", "c", "d"), List.of(1L, 2L, 3L, 4L)),
            UserHistory.of("u2", List.of("b", "a"))));
  }

  @Test
  void lastIsTestSecondLastIsValidation() {
    LeaveOneOutSplit split = LeaveOneOutSplit.of(small());
    assertThat(split.train()).hasSize(2);
    assertThat(split.train().get(0).itemIds()).containsExactly("a", "b");
    assertThat(split.train().get(0).timestamps()).containsExactly(1L, 2L);
    assertThat(split.validation())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.history().itemIds()).containsExactly("a", "b");
              assertThat(e.targetItemId()).isEqualTo("c");
            });
    assertThat(split.test())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.history().itemIds()).containsExactly("a", "b", "c");
              assertThat(e.targetItemId()).isEqualTo("d");
            });
    // u2 has 2 items: training only, like the original.
    assertThat(split.trainOnlyUsers()).isEqualTo(1);
    assertThat(split.train().get(1).itemIds()).containsExactly("b", "a");
  }

  @Test
  void unisrecSplitReproducesTheShippedValidAndTestFiles() throws IOException {
    // Oracle: the UniSRec files are themselves a leave-one-out split of the same data.
    Dataset dataset = Datasets.importAuto(TestData.unisrec()).dataset();
    LeaveOneOutSplit split = LeaveOneOutSplit.of(dataset);
    List<String> asins =
        Files.readAllLines(TestData.unisrec().resolve("Scientific.item2index")).stream()
            .map(l -> l.split("\t", -1)[0])
            .toList();
    List<String> testRows = Files.readAllLines(TestData.unisrec().resolve("Scientific.test.inter"));
    List<String> validRows =
        Files.readAllLines(TestData.unisrec().resolve("Scientific.valid.inter"));
    assertThat(split.test()).hasSize(8_442);
    assertThat(split.validation()).hasSize(8_442);
    for (int u = 0; u < 8_442; u++) {
      assertThat(split.test().get(u).targetItemId())
          .isEqualTo(asins.get(Integer.parseInt(testRows.get(u + 1).split("\t", -1)[2])));
      assertThat(split.validation().get(u).targetItemId())
          .isEqualTo(asins.get(Integer.parseInt(validRows.get(u + 1).split("\t", -1)[2])));
    }
    long trainInteractions = split.train().stream().mapToLong(UserHistory::size).sum();
    assertThat(trainInteractions).isEqualTo(59_427 - 2 * 8_442);
  }

  @Test
  void exampleNeedsAHistory() {
    assertThatThrownBy(() -> new Example(UserHistory.of("u", List.of()), "a"))
        .hasMessage("example for user 'u' has an empty history");
  }

  @Test
  void userSamplingIsSeededAndKeepsOrder() throws IOException {
    Dataset dataset = Datasets.importAuto(TestData.office()).dataset();
    Dataset a = UserSampling.oneIn(dataset, 5, 7L);
    Dataset b = UserSampling.oneIn(dataset, 5, 7L);
    Dataset c = UserSampling.oneIn(dataset, 5, 8L);
    assertThat(a.fingerprint()).isEqualTo(b.fingerprint());
    assertThat(a.fingerprint()).isNotEqualTo(c.fingerprint());
    // Binomial(4905, 0.2): mean 981, sd 28; 5 sd either side.
    assertThat(a.userCount()).isBetween(981 - 140, 981 + 140);
    List<String> order = dataset.users().stream().map(UserHistory::userId).toList();
    List<Integer> positions = a.users().stream().map(u -> order.indexOf(u.userId())).toList();
    assertThat(positions).isSorted();
    assertThat(a.provenance()).containsValue("sampleUsers(oneIn=5, seed=7)");

    Dataset exact = UserSampling.exactly(dataset, 1000, 3L);
    assertThat(exact.userCount()).isEqualTo(1000);
    assertThat(UserSampling.exactly(dataset, 1000, 3L).fingerprint())
        .isEqualTo(exact.fingerprint());
    assertThat(UserSampling.fraction(dataset, 0.1, 3L).userCount()).isEqualTo(491);
    assertThatThrownBy(() -> UserSampling.exactly(dataset, 5000, 1L))
        .hasMessage("user sample size must be in [0, 4905], got 5000");
  }
}
