package io.recformer.train.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.sample.FineTuneSampler;
import io.recformer.data.sample.TrainingSample;
import io.recformer.data.split.LeaveOneOutSplit;
import io.recformer.train.testing.TinySetup;
import io.recformer.train.weights.MiniLmImporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The padding figures docs/benchmarks.md quotes for length-grouped batches, on one epoch of the
 * bundled Scientific training samples at 128 tokens with the MiniLM tokenizer (batch 16, rows
 * padded to a multiple of 32 as the model does for a window of 64).
 */
class ScientificPaddingTest {

  @Test
  void groupingByLengthRaisesTheTokenShareOfAScientificEpoch(@TempDir Path dir) throws Exception {
    RecformerConfig config = RecformerConfig.miniLmL6().toBuilder().maxTokens(128).build();
    LeaveOneOutSplit split = LeaveOneOutSplit.of(TinySetup.scientific());
    Path tokenizerJson = dir.resolve("tokenizer.json");
    MiniLmImporter.copyTokenizerJson(tokenizerJson);
    try (RecformerTokenizer tokenizer = RecformerTokenizer.open(tokenizerJson, config)) {
      ItemTokenCache cache = new ItemTokenCache(tokenizer, split.dataset().items()).tokenizeAll();
      List<TrainingSample> samples =
          new ArrayList<>(
              new FineTuneSampler(FineTuneSampler.Policy.RANDOM_TARGET, 42)
                  .sample(split.train(), 0));
      Collections.shuffle(samples, new Random(0));
      IdentityHashMap<TrainingSample, Integer> lengths = new IdentityHashMap<>();
      for (TrainingSample t : samples) {
        lengths.put(t, cache.encodeHistory(t.history()).length());
      }
      ToIntFunction<TrainingSample> length = lengths::get;
      int chunk = config.attentionWindow() / 2;
      int[] padsTo = new int[5];
      for (TrainingSample t : samples) {
        padsTo[(length.applyAsInt(t) + chunk - 1) / chunk]++;
      }
      assertThat(samples).hasSize(8442);
      // Rows padding to 32, 64, 96 and 128 positions.
      assertThat(padsTo).containsExactly(0, 433, 2689, 2047, 3273);
      assertThat(share(samples, 0, length, chunk)).isCloseTo(0.650, within(0.001));
      assertThat(share(samples, 8, length, chunk)).isCloseTo(0.829, within(0.001));
      assertThat(share(samples, 32, length, chunk)).isCloseTo(0.864, within(0.001));
      assertThat(share(samples, 128, length, chunk)).isCloseTo(0.873, within(0.001));
    }
  }

  private static double share(
      List<TrainingSample> samples,
      int groupBatches,
      ToIntFunction<TrainingSample> length,
      int chunk) {
    return MicroBatches.tokenShare(
        MicroBatches.plan(samples, 16, groupBatches, length, new Random(1)), length, chunk);
  }
}
