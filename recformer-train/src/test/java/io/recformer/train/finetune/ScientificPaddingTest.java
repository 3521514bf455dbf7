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
import java.util.Map;
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
      List<TrainingSample> samples = new ArrayList<>(
          new FineTuneSampler(FineTuneSampler.Policy.RANDOM_TARGET, 42).sample(split.train(), 0));
      Collections.shuffle(samples, new Random(0));
      Map<TrainingSample, Integer> lengths = new IdentityHashMap<>();
      for (TrainingSample t : samples) {
        lengths.put(t, cache.encodeHistory(t.history()).length());
      }
      ToIntFunction<TrainingSample> length = lengths::get;
      int chunk = config.attentionWindow() / 2;
      double random = MicroBatches.tokenShare(
          MicroBatches.plan(samples, 16, 0, length, null), length, chunk);
      double grouped = MicroBatches.tokenShare(
          MicroBatches.plan(samples, 16, 32, length, new Random(1)), length, chunk);
      assertThat(samples).hasSize(8442);
      assertThat(random).isCloseTo(0.650, within(0.01));
      assertThat(grouped).isCloseTo(0.864, within(0.01));
    }
  }
}
