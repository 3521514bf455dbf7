package io.recformer.bench.efficiency;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.item.UserHistory;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.train.weights.MiniLmImporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistorySamplerTest {

  @TempDir Path tmp;

  /**
   * 3 users over 30 items "item0".."item29" with titles of 2-4 words; user u walks 10 items from 10
   * u.
   */
  private static Dataset dataset() {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      items.add(
          Item.of("item" + i, "title", "glue tape " + "pen ".repeat(i % 3) + i, "brand", "acme"));
    }
    List<UserHistory> users = new ArrayList<>();
    for (int u = 0; u < 3; u++) {
      List<String> ids = new ArrayList<>();
      for (int k = 0; k < 10; k++) {
        ids.add("item" + (10 * u + k));
      }
      users.add(UserHistory.of("u" + u, ids));
    }
    return Dataset.of("tiny", ItemCatalog.of(items), users);
  }

  @Test
  void filledHistoriesReachMaxTokensAndRealOnesArePrefixesOfTrainingParts() throws Exception {
    Path tokenizerJson = tmp.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(tokenizerJson);
    // 10 items of about 10 tokens overflow 64 tokens; maxItems 10 keeps the window inside the data.
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder()
            .maxTokens(64)
            .maxItems(10)
            .maxItemPositions(11)
            .build();
    Dataset data = dataset();
    try (RecformerTokenizer tokenizer = RecformerTokenizer.open(tokenizerJson, config)) {
      ItemTokenCache cache = new ItemTokenCache(tokenizer, data.items());

      HistorySampler.Batch full =
          new HistorySampler(data, cache, config, true, new SplittableRandom(1)).next(8);
      assertThat(full.sequences()).hasSize(8).allSatisfy(s -> assertThat(s.length()).isEqualTo(64));
      // The users' items are consecutive indices 0..29 in this catalog, so the window's target is
      // the item after the most recent one (item position 1 right after [CLS]).
      for (int i = 0; i < 8; i++) {
        EncodedSequence s = full.sequences().get(i);
        int target = full.targets()[i];
        int[] mostRecent = cache.encodeItem(target - 1).inputIds(); // [CLS] + the item's tokens
        assertThat(Arrays.copyOfRange(s.inputIds(), 1, mostRecent.length))
            .isEqualTo(Arrays.copyOfRange(mostRecent, 1, mostRecent.length));
      }

      HistorySampler.Batch real =
          new HistorySampler(data, cache, config, false, new SplittableRandom(1)).next(50);
      for (int i = 0; i < 50; i++) {
        int target = real.targets()[i];
        int position = target % 10; // index within its user
        // target drawn from positions 1..7 (the training part is the first 8 of 10 items)
        assertThat(position).isBetween(1, 7);
        EncodedSequence expected =
            cache.encodeHistory(IntStream.range(target - position, target).toArray(), 0, position);
        assertThat(real.sequences().get(i).inputIds()).isEqualTo(expected.inputIds());
      }
    }
  }
}
