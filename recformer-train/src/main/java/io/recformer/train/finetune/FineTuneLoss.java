package io.recformer.train.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.item.ItemCatalog;
import io.recformer.core.text.EncodedSequence;
import io.recformer.data.sample.TrainingSample;
import io.recformer.train.eval.Encoder;
import io.recformer.train.loss.ItemSoftmaxLoss;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.OwnedArrays;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.run.DataParallel;
import io.recformer.train.run.StepLosses;
import java.util.ArrayList;
import java.util.List;

/**
 * The training loss of fine-tuning, forward and backward of one micro-batch: full-softmax
 * cross-entropy of {@code cos / tau} against the item matrix, chunked over the items with its
 * gradient computed outside the graph when the matrix is constant ({@link ItemSoftmaxLoss}), or
 * through autograd when the matrix is a trainable parameter. The history margin and penalty shift
 * the logits of each sample's own history items. Losses are summed on the device ({@link
 * StepLosses}) and read once per optimizer step by the loop.
 */
final class FineTuneLoss {

  private final FineTuneOptions options;
  private final RecformerConfig config;
  private final Encoder encoder;
  private final ItemCatalog catalog;
  private final int clsId;
  private final NDManager manager;
  private final DataParallel parallel;
  private final StepLosses losses;

  /**
   * @param clsId the tokenizer's sequence-start token, the whole input of an empty history
   * @param manager the run's manager on the primary device (micro-batch scopes are made in it)
   */
  FineTuneLoss(
      FineTuneOptions options,
      RecformerConfig config,
      Encoder encoder,
      int clsId,
      NDManager manager,
      DataParallel parallel,
      StepLosses losses) {
    this.options = options;
    this.config = config;
    this.encoder = encoder;
    this.catalog = encoder.cache().catalog();
    this.clsId = clsId;
    this.manager = manager;
    this.parallel = parallel;
    this.losses = losses;
  }

  /**
   * Forward and backward of one micro-batch (over every device); its mean loss is added to {@link
   * #losses} on the device (DataParallel's host-side loss is not used: reading it would wait for
   * the device at every micro-batch).
   */
  void microBatch(List<TrainingSample> batch, boolean trainable, List<NDArray> replicaMatrices) {
    double divisor = options.gradientAccumulation();
    try (NDManager scope = manager.newSubManager()) {
      parallel.forwardBackward(
          batch,
          (replica, index, shardScope, shard) ->
              shardLoss(
                  replica,
                  shardScope,
                  shard,
                  (double) shard.size() / batch.size(),
                  trainable,
                  replicaMatrices.get(index)),
          1 / divisor,
          scope);
    }
  }

  /**
   * Full-softmax cross-entropy of cos / tau of one shard against the item matrix; adds the shard's
   * share of the micro-batch's mean loss to {@link #losses} and reports 0 to DataParallel.
   */
  private DataParallel.ShardResult shardLoss(
      RecformerModel replica,
      NDManager scope,
      List<TrainingSample> shard,
      double shardWeight,
      boolean trainable,
      NDArray shardMatrix) {
    int[] targets = new int[shard.size()];
    int[][] raised = new int[shard.size()][];
    List<EncodedSequence> sequences = new ArrayList<>(shard.size());
    for (int i = 0; i < shard.size(); i++) {
      TrainingSample t = shard.get(i);
      targets[i] = catalog.requireIndex(t.targetItemId());
      raised[i] = historyNegatives(t, targets[i]);
      sequences.add(encodeHistory(t));
    }
    // The penalty lowers the history items the margin raises: one offset for both.
    double margin = options.historyNegativeMargin() - options.historyPenalty();
    EncoderOutput out = replica.encode(scope, encoder.collator().collate(sequences), true);
    NDArray q = out.pooled().normalize(2, 1, 1e-8);
    double tau = config.temperature();
    if (trainable) {
      scope.tempAttachAll(shardMatrix);
      NDArray logits =
          OwnedArrays.scale(q.matMul(shardMatrix.normalize(2, 1, 1e-8).transpose()), 1 / tau);
      NDArray offsets =
          ItemSoftmaxLoss.offsets(raised, (float) (margin / tau), 0, catalog.size(), scope);
      if (offsets != null) {
        logits = logits.add(offsets.toDevice(logits.getDevice(), false));
      }
      NDArray oneHot = scope.create(targets).oneHot(catalog.size());
      NDArray loss = OwnedArrays.scale(logits.logSoftmax(1).mul(oneHot).sum(), -1.0 / shard.size());
      losses.add(0, loss, shardWeight);
      return new DataParallel.ShardResult(loss, 0);
    }
    ItemSoftmaxLoss.Result r =
        ItemSoftmaxLoss.compute(
            q, shardMatrix, targets, raised, margin, tau, options.itemChunk(), scope);
    losses.add(0, r.meanLoss(), shardWeight);
    return new DataParallel.ShardResult(ItemSoftmaxLoss.surrogate(q, r.queryGradient()), 0);
  }

  /**
   * The model input of a sample's history; an empty one (a target at position 0, which the
   * original's sampler draws) is the sequence-start token alone, as the original's collator encodes
   * it.
   */
  EncodedSequence encodeHistory(TrainingSample sample) {
    if (sample.history().size() > 0) {
      return encoder.cache().encodeHistory(sample.history());
    }
    return new EncodedSequence(
        new int[] {clsId},
        new int[] {RecformerConfig.TYPE_CLS},
        new int[] {config.positionOffset()},
        new int[] {0});
  }

  /** Catalog indices of the sample's distinct history items other than its target. */
  private int[] historyNegatives(TrainingSample sample, int target) {
    if (options.historyNegativeMargin() == options.historyPenalty()) {
      return new int[0];
    }
    return sample.history().itemIds().stream()
        .mapToInt(catalog::requireIndex)
        .filter(j -> j != target)
        .distinct()
        .toArray();
  }
}
