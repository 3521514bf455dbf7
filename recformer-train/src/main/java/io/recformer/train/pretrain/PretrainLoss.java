package io.recformer.train.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.BatchCollator;
import io.recformer.core.text.EncodedSequence;
import io.recformer.core.text.ItemTokenCache;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.core.text.TokenizedItem;
import io.recformer.data.sample.TrainingSample;
import io.recformer.train.loss.InBatchContrastiveLoss;
import io.recformer.train.loss.MaskedLmLoss;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.OwnedArrays;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.run.DataParallel;
import io.recformer.train.run.StepLosses;
import java.util.ArrayList;
import java.util.List;

/**
 * The pre-training loss, forward and backward of one micro-batch of (history, next item) pairs: the
 * in-batch item-item contrastive loss of the clean encodings plus {@code lambda} times each of the
 * two MLM losses on whole-word-masked copies of the history and of the positive item (the
 * original's sum). The total, IIC and MLM values are summed on the device ({@link StepLosses},
 * components 0, 1 and 2) and read once per optimizer step by the loop.
 */
final class PretrainLoss {

  private final PretrainOptions options;
  private final RecformerConfig config;
  private final RecformerTokenizer tokenizer;
  private final ItemTokenCache cache;
  private final BatchCollator collator;
  private final NDManager manager;
  private final DataParallel parallel;
  private final StepLosses losses;

  /**
   * @param manager the run's manager on the primary device (micro-batch scopes are made in it)
   */
  PretrainLoss(
      PretrainOptions options,
      RecformerConfig config,
      RecformerTokenizer tokenizer,
      ItemTokenCache cache,
      BatchCollator collator,
      NDManager manager,
      DataParallel parallel,
      StepLosses losses) {
    this.options = options;
    this.config = config;
    this.tokenizer = tokenizer;
    this.cache = cache;
    this.collator = collator;
    this.manager = manager;
    this.parallel = parallel;
    this.losses = losses;
  }

  /** A pair's inputs: the history and positive item, plain and masked for MLM. */
  // Arrays for speed: one pre-training pair, consumed once and never compared.
  @SuppressWarnings("ArrayRecordComponent")
  private record PairInputs(
      EncodedSequence history,
      EncodedSequence positive,
      EncodedSequence maskedHistory,
      EncodedSequence maskedPositive,
      int[] historyLabels,
      int[] positiveLabels) {}

  /**
   * Draws the masks of pairs already trained on, so that {@code masker} continues where an
   * interrupted run left it.
   */
  void replayMasks(List<TrainingSample> done, WholeWordMasker masker) {
    prepare(done, masker);
  }

  /** Encodes a micro-batch's pairs and draws their MLM masks, in pair order. */
  private List<PairInputs> prepare(List<TrainingSample> batch, WholeWordMasker masker) {
    List<PairInputs> inputs = new ArrayList<>(batch.size());
    for (TrainingSample pair : batch) {
      List<TokenizedItem> items = new ArrayList<>();
      for (String id : pair.history().itemIds()) {
        items.add(cache.get(id));
      }
      EncodedSequence h = tokenizer.sequenceEncoder().encodeHistory(items);
      boolean[] hStarts = tokenizer.sequenceEncoder().wordStarts(items);
      TokenizedItem target = cache.get(pair.targetItemId());
      EncodedSequence p = tokenizer.sequenceEncoder().encodeItem(target);
      boolean[] pStarts = tokenizer.sequenceEncoder().wordStarts(List.of(target));
      WholeWordMasker.Masked mh = masker.mask(h.inputIds(), hStarts);
      WholeWordMasker.Masked mp = masker.mask(p.inputIds(), pStarts);
      inputs.add(
          new PairInputs(
              h,
              p,
              withIds(h, mh.inputIds()),
              withIds(p, mp.inputIds()),
              mh.labels(),
              mp.labels()));
    }
    return inputs;
  }

  /**
   * One micro-batch: accumulates the gradient, and its total, IIC and MLM losses into {@link
   * #losses} on the device (DataParallel's host-side loss is not used: reading it would wait for
   * the device at every micro-batch).
   */
  void microBatch(List<TrainingSample> batch, WholeWordMasker masker) {
    // Masks are drawn for the whole micro-batch first, so they do not depend on the devices.
    List<PairInputs> inputs = prepare(batch, masker);
    try (NDManager scope = manager.newSubManager()) {
      parallel.forwardBackward(
          inputs,
          (replica, index, shardScope, shard) ->
              new DataParallel.ShardResult(
                  shardLoss(replica, shardScope, shard, (double) shard.size() / inputs.size()), 0),
          1.0 / options.gradientAccumulation(),
          scope,
          2);
    }
  }

  /**
   * IIC + lambda * (MLM of the history + MLM of the positive) of one shard (in-batch negatives
   * within the shard); adds the total, the IIC value and the sum of the two MLM values, weighted by
   * the shard's share of the micro-batch, to {@link #losses}.
   */
  private NDArray shardLoss(
      RecformerModel replica, NDManager scope, List<PairInputs> shard, double weight) {
    List<EncodedSequence> histories = new ArrayList<>();
    List<EncodedSequence> positives = new ArrayList<>();
    List<EncodedSequence> maskedHistories = new ArrayList<>();
    List<EncodedSequence> maskedPositives = new ArrayList<>();
    List<int[]> historyLabels = new ArrayList<>();
    List<int[]> positiveLabels = new ArrayList<>();
    for (PairInputs in : shard) {
      histories.add(in.history());
      positives.add(in.positive());
      maskedHistories.add(in.maskedHistory());
      maskedPositives.add(in.maskedPositive());
      historyLabels.add(in.historyLabels());
      positiveLabels.add(in.positiveLabels());
    }
    EncoderOutput h = replica.encode(scope, collator.collate(histories), true);
    EncoderOutput p = replica.encode(scope, collator.collate(positives), true);
    NDArray iic =
        InBatchContrastiveLoss.loss(
            InBatchContrastiveLoss.logits(h.pooled(), p.pooled(), config.temperature()));
    NDArray loss = iic;
    losses.add(1, iic, weight);
    List<List<EncodedSequence>> masked = List.of(maskedHistories, maskedPositives);
    List<List<int[]>> labels = List.of(historyLabels, positiveLabels);
    NDArray mlmSum = null;
    for (int k = 0; k < 2; k++) {
      var collated = collator.collate(masked.get(k));
      EncoderOutput out = replica.encode(scope, collated, true);
      long[][] positionsAndLabels = flatten(labels.get(k), collated.length());
      NDArray mlm =
          MaskedLmLoss.loss(
              replica, out.hiddenStates(), positionsAndLabels[0], positionsAndLabels[1], true);
      if (mlm != null) { // null when nothing of that side was masked
        mlmSum = mlmSum == null ? mlm : mlmSum.add(mlm);
      }
    }
    // The original's sum: IIC + lambda * MLM(history) + lambda * MLM(positive), each MLM term
    // the mean over its own masked tokens.
    if (mlmSum != null) {
      losses.add(2, mlmSum, weight);
      loss = iic.add(OwnedArrays.scale(mlmSum, config.mlmWeight()));
    }
    losses.add(0, loss, weight);
    return loss;
  }

  private static EncodedSequence withIds(EncodedSequence s, int[] ids) {
    return new EncodedSequence(ids, s.tokenTypeIds(), s.tokenPositionIds(), s.itemPositionIds());
  }

  /** Flat positions (row * length + column) and labels of the predicted tokens. */
  private static long[][] flatten(List<int[]> labels, int length) {
    List<long[]> out = new ArrayList<>();
    for (int r = 0; r < labels.size(); r++) {
      int[] row = labels.get(r);
      for (int c = 0; c < row.length; c++) {
        if (row[c] != WholeWordMasker.IGNORE) {
          out.add(new long[] {(long) r * length + c, row[c]});
        }
      }
    }
    long[][] result = new long[2][out.size()];
    for (int i = 0; i < out.size(); i++) {
      result[0][i] = out.get(i)[0];
      result[1][i] = out.get(i)[1];
    }
    return result;
  }
}
