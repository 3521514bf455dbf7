package io.recformer.train.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.data.sample.TrainingSample;
import io.recformer.train.loss.InBatchContrastiveLoss;
import io.recformer.train.model.RecformerModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Pre-training's validation: the in-batch next-item accuracy on (history, next item) pairs drawn
 * once from the held-out sequences, in batches of the training batch size (the positives of a batch
 * are each other's negatives), without masking or dropout.
 */
final class PretrainValidation {

  /**
   * One validation's outcome.
   *
   * @param accuracy fraction of pairs whose history scores its own next item highest
   * @param pairs pairs scored
   */
  record Result(double accuracy, int pairs) {}

  private final List<TrainingSample> pairs;
  private final int batchSize;
  private final RecformerConfig config;
  private final ItemTokenCache cache;
  private final ItemCatalog catalog;
  private final BatchCollator collator;

  /**
   * @param pairs the held-out pairs (at least 2)
   */
  PretrainValidation(
      List<TrainingSample> pairs,
      int batchSize,
      RecformerConfig config,
      ItemTokenCache cache,
      BatchCollator collator) {
    if (pairs.size() < 2) {
      throw new IllegalArgumentException(
          "held-out sequences give "
              + pairs.size()
              + " validation pairs; at least 2 are needed (sequences of >= 2 items)");
    }
    this.pairs = List.copyOf(pairs);
    this.batchSize = batchSize;
    this.config = config;
    this.cache = cache;
    this.catalog = cache.catalog();
    this.collator = collator;
  }

  /** The held-out pairs. */
  int size() {
    return pairs.size();
  }

  /** Scores the pairs with {@code model} (no gradient); temporaries live in {@code manager}. */
  Result run(RecformerModel model, NDManager manager) {
    int hits = 0;
    int rows = 0;
    for (int from = 0; from + 2 <= pairs.size(); from += batchSize) {
      List<TrainingSample> batch = pairs.subList(from, Math.min(pairs.size(), from + batchSize));
      if (batch.size() < 2) {
        break;
      }
      List<EncodedSequence> histories = new ArrayList<>();
      List<EncodedSequence> positives = new ArrayList<>();
      for (TrainingSample pair : batch) {
        histories.add(cache.encodeHistory(pair.history()));
        positives.add(cache.encodeItem(catalog.requireIndex(pair.targetItemId())));
      }
      try (NDManager scope = manager.newSubManager()) {
        NDArray logits =
            InBatchContrastiveLoss.logits(
                model.encode(scope, collator.collate(histories), false).pooled(),
                model.encode(scope, collator.collate(positives), false).pooled(),
                config.temperature());
        hits += (int) Math.round(InBatchContrastiveLoss.accuracy(logits) * batch.size());
        rows += batch.size();
      }
    }
    return new Result((double) hits / rows, rows);
  }
}
