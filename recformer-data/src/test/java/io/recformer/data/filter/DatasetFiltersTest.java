package io.recformer.data.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.item.AttributeLayout;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.data.TestData;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatasetFiltersTest {

  private static Dataset dataset(List<UserHistory> users) {
    ItemCatalog items =
        ItemCatalog.of(
            List.of(
                Item.of("a", "title", "A", "brand", "BA", "description", "dA"),
                Item.of("b", "title", "B", "category", "CB"),
                Item.of("c", "title", "C"),
                Item.of("d", "description", "only")));
    return Dataset.of("t", items, users);
  }

  @Test
  void minUserInteractionsKeepsLongEnoughUsers() {
    Dataset d =
        dataset(
            List.of(
                UserHistory.of("u1", List.of("a", "b", "c")), UserHistory.of("u2", List.of("a"))));
    Dataset kept = DatasetFilters.minUserInteractions(d, 2);
    assertThat(kept.users()).extracting(UserHistory::userId).containsExactly("u1");
    assertThat(kept.provenance()).containsValue("minUserInteractions(2)");
    assertThatThrownBy(() -> DatasetFilters.minUserInteractions(d, 0))
        .hasMessage("min interactions per user must be >= 1, got 0");
  }

  @Test
  void kCoreIteratesUntilStable() {
    // k = 2. Item c occurs once -> removed; then u3 (b, c) has 1 item -> removed; then b occurs
    // once -> removed;
    // then u2 (a, b) is left with 1 -> removed; a now occurs once (u1 only) ... u1 = (a, a, d, d):
    // a twice, d twice.
    Dataset d =
        dataset(
            List.of(
                UserHistory.of("u1", List.of("a", "a", "d", "d")),
                UserHistory.of("u2", List.of("a", "b")),
                UserHistory.of("u3", List.of("b", "c"))));
    Dataset core = DatasetFilters.kCore(d, 2);
    assertThat(core.users()).extracting(UserHistory::userId).containsExactly("u1");
    assertThat(core.items().items()).extracting(Item::id).containsExactly("a", "d");
    // Oracle: in the result every user and item has >= k interactions.
    assertIsKCore(core, 2);
  }

  @Test
  void kCoreOnRealDataHoldsTheInvariant() throws IOException {
    Dataset real = Datasets.importAuto(TestData.lcrec()).dataset();
    Dataset core = DatasetFilters.kCore(real, 6);
    assertIsKCore(core, 6);
    assertThat(core.userCount()).isLessThan(real.userCount()).isGreaterThan(0);
    // Already a 5-core: k = 5 changes nothing (the LC-Rec data is 5-core filtered).
    assertThat(DatasetFilters.kCore(real, 5).fingerprint()).isEqualTo(real.fingerprint());
  }

  private static void assertIsKCore(Dataset d, int k) {
    Map<String, Integer> counts = new HashMap<>();
    for (UserHistory user : d.users()) {
      assertThat(user.size()).isGreaterThanOrEqualTo(k);
      user.itemIds().forEach(i -> counts.merge(i, 1, Integer::sum));
    }
    assertThat(counts.values()).allMatch(c -> c >= k);
    assertThat(counts).hasSize(d.itemCount());
  }

  @Test
  void duplicatePolicies() {
    Dataset d =
        dataset(
            List.of(
                new UserHistory(
                    "u", List.of("a", "b", "b", "a", "c"), List.of(1L, 2L, 3L, 4L, 5L))));
    assertThat(DatasetFilters.deduplicate(d, DuplicatePolicy.KEEP_ALL).users().get(0).itemIds())
        .containsExactly("a", "b", "b", "a", "c");
    UserHistory first = DatasetFilters.deduplicate(d, DuplicatePolicy.KEEP_FIRST).users().get(0);
    assertThat(first.itemIds()).containsExactly("a", "b", "c");
    assertThat(first.timestamps()).containsExactly(1L, 2L, 5L);
    UserHistory last = DatasetFilters.deduplicate(d, DuplicatePolicy.KEEP_LAST).users().get(0);
    assertThat(last.itemIds()).containsExactly("b", "a", "c");
    assertThat(last.timestamps()).containsExactly(3L, 4L, 5L);
    assertThat(
            DatasetFilters.deduplicate(d, DuplicatePolicy.COLLAPSE_CONSECUTIVE)
                .users()
                .get(0)
                .itemIds())
        .containsExactly("a", "b", "a", "c");
  }

  @Test
  void chronologicalSortWithDeterministicTieBreak() {
    Dataset d =
        dataset(
            List.of(
                new UserHistory("u", List.of("c", "a", "b", "d"), List.of(30L, 20L, 20L, 10L))));
    UserHistory stable = DatasetFilters.sortChronologically(d, TieBreak.INPUT_ORDER).users().get(0);
    assertThat(stable.itemIds()).containsExactly("d", "a", "b", "c");
    Dataset swapped =
        dataset(
            List.of(
                new UserHistory("u", List.of("c", "b", "a", "d"), List.of(30L, 20L, 20L, 10L))));
    assertThat(
            DatasetFilters.sortChronologically(swapped, TieBreak.INPUT_ORDER)
                .users()
                .get(0)
                .itemIds())
        .containsExactly("d", "b", "a", "c");
    // ITEM_ID ties do not depend on the input order.
    assertThat(
            DatasetFilters.sortChronologically(swapped, TieBreak.ITEM_ID).users().get(0).itemIds())
        .containsExactly("d", "a", "b", "c");
    assertThat(DatasetFilters.sortChronologically(d, TieBreak.ITEM_ID).users().get(0).timestamps())
        .containsExactly(10L, 20L, 20L, 30L);
    Dataset untimed = dataset(List.of(UserHistory.of("u", List.of("a"))));
    assertThatThrownBy(() -> DatasetFilters.sortChronologically(untimed, TieBreak.INPUT_ORDER))
        .hasMessageContaining("cannot sort user 'u' chronologically");
  }

  @Test
  void attributeSelectionAndOrder() {
    Dataset d = dataset(List.of(UserHistory.of("u", List.of("a", "d", "b"))));
    Dataset paper = DatasetFilters.selectAttributes(d, AttributeLayout.of("brand", "title"));
    assertThat(paper.items().get("a").attributes())
        .extracting(a -> a.key())
        .containsExactly("brand", "title");
    // d has only a description: no text left under this layout, dropped with its interaction.
    assertThat(paper.items().contains("d")).isFalse();
    assertThat(paper.users().get(0).itemIds()).containsExactly("a", "b");
    assertThatThrownBy(
            () -> DatasetFilters.selectAttributes(d, AttributeLayout.of("title", "colour")))
        .hasMessageContaining("attribute layout names 'colour', which no item of the catalog has");
  }

  @Test
  void dropUnusedItems() {
    Dataset d = dataset(List.of(UserHistory.of("u", List.of("c", "a"))));
    assertThat(DatasetFilters.dropUnusedItems(d).items().items())
        .extracting(Item::id)
        .containsExactly("a", "c");
  }

  @Test
  void pipelineAppliesStepsInOrderAndRecordsThem() throws IOException {
    Dataset real = Datasets.importAuto(TestData.office()).dataset();
    Dataset filtered = FilterPipeline.recformer().apply(real);
    // Office is 5-core already: nothing removed, attributes cut to the paper's three.
    assertThat(filtered.userCount()).isEqualTo(4_905);
    assertThat(filtered.interactionCount()).isEqualTo(53_258);
    assertThat(filtered.items().items()).allMatch(i -> i.attribute("description").isEmpty());
    assertThat(filtered.provenance())
        .containsEntry("step.1", "minUserInteractions(4)")
        .containsEntry("step.2", "selectAttributes(title,brand,category)")
        .containsEntry("step.3", "dropUnusedItems");
    Dataset strict =
        new FilterPipeline(DuplicatePolicy.KEEP_FIRST, TieBreak.INPUT_ORDER, 10, 12, null)
            .apply(real);
    assertIsKCore(strict, 10);
    assertThat(strict.users()).allMatch(u -> u.size() >= 12);
    assertThat(strict.users())
        .allMatch(u -> u.itemIds().size() == new HashSet<>(u.itemIds()).size());
    assertThatThrownBy(
            () -> new FilterPipeline(DuplicatePolicy.KEEP_ALL, TieBreak.INPUT_ORDER, -1, 1, null))
        .hasMessage("kCore must be >= 0 (0 disables it), got -1");
  }
}
