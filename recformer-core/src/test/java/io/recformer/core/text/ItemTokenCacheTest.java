package io.recformer.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Histories built from cached item tokens equal those tokenized from scratch. */
class ItemTokenCacheTest {

  private static final List<Item> ITEMS =
      List.of(
          Item.of("A", "title", "Pencil"),
          Item.of("B", "title", "Notebook", "brand", "Office"),
          Item.of("C", "title", "Black Ink"),
          Item.of(
              "D",
              "title",
              "Red Desk Lamps, Set of 10",
              "brand",
              "IKEA",
              "category",
              "Home & Kitchen"));

  private static RecformerTokenizer open(RecformerConfig config) throws IOException {
    return RecformerTokenizer.open(TestTokenizers.resource(TestTokenizers.TINY_WORDPIECE), config);
  }

  @Test
  void cachedHistoriesEqualDirectEncoding() throws IOException {
    RecformerConfig config =
        TestTokenizers.tinyBert().maxItems(3).maxItemPositions(4).maxTokens(20).build();
    try (RecformerTokenizer tokenizer = open(config)) {
      ItemCatalog catalog = ItemCatalog.of(ITEMS);
      ItemTokenCache lazy = new ItemTokenCache(tokenizer, catalog);
      ItemTokenCache eager = new ItemTokenCache(tokenizer, catalog).tokenizeAll();
      List<String> ids = List.of("A", "D", "B", "C", "A");
      EncodedSequence direct = tokenizer.encodeHistory(catalog.resolve(ids));
      // Expected: [CLS] A, C, B (the 3 most recent, newest first); 20 tokens cut nothing here.
      assertThat(direct.inputIds()).containsExactly(2, 5, 23, 24, 5, 32, 31, 5, 29, 30, 6, 22);
      assertThat(direct.itemPositionIds()).containsExactly(0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3);
      assertThat(lazy.encodeHistory(ids)).isEqualTo(direct);
      assertThat(eager.encodeHistory(ids)).isEqualTo(direct);
      assertThat(eager.encodeHistory(UserHistory.of("u1", ids))).isEqualTo(direct);
      int[] indices = {3, 0, 3, 1, 2, 0, 3};
      assertThat(eager.encodeHistory(indices, 1, 6)).isEqualTo(direct);
      assertThat(eager.wordStarts(ids))
          .containsExactly(
              true, true, true, false, true, true, true, true, true, false, true, true);
      assertThat(eager.wordStarts(indices, 1, 6)).containsExactly(eager.wordStarts(ids));
      assertThat(eager.encodeItem(3)).isEqualTo(tokenizer.encodeItem(ITEMS.get(3)));
      assertThat(eager.get("D")).isEqualTo(tokenizer.tokenizeItem(ITEMS.get(3)));
      assertThatThrownBy(() -> eager.encodeHistory(List.of("A", "Z")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("unknown item id 'Z' (catalog has 4 items)");
    }
  }

  @Test
  void concurrentEncodingGivesTheSameResults() throws Exception {
    try (RecformerTokenizer tokenizer = open(TestTokenizers.tinyBert().build())) {
      List<EncodedSequence> expected = new ArrayList<>();
      for (Item item : ITEMS) {
        expected.add(tokenizer.encodeItem(item));
      }
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          results.add(
              pool.submit(
                  () -> {
                    for (int round = 0; round < 200; round++) {
                      for (int i = 0; i < ITEMS.size(); i++) {
                        if (!tokenizer.encodeItem(ITEMS.get(i)).equals(expected.get(i))) {
                          return false;
                        }
                      }
                    }
                    return true;
                  }));
        }
        for (Future<Boolean> result : results) {
          assertThat(result.get()).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
