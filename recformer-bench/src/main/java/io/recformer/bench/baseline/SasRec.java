package io.recformer.bench.baseline;

import java.util.List;

/**
 * The SASRec baseline, trained in DJL on the PyTorch engine and used as a {@link SequenceScorer}.
 *
 * <p>Training (RecBole's setting behind the published UniSRec-split numbers): every prefix of every
 * training sequence predicts its next item with a full-softmax cross-entropy over all catalog
 * items, computed in one causal pass per sequence ({@link CausalTraining}). Adam, seeded shuffling,
 * validation NDCG@10 (original ties, history kept) after every epoch, early stopping with patience,
 * and the best epoch's weights kept ({@link NextItemTrainer}).
 *
 * <p>Score of item i = dot product of the last position's hidden state with item i's embedding.
 */
public final class SasRec extends TrainedBaseline {

  private final SasRecConfig config;

  private SasRec(SasRecConfig config, TrainedBaseline trained) {
    super(trained);
    this.config = config;
  }

  /**
   * Trains SASRec and returns it with the weights of the best validation epoch.
   *
   * @param itemCount catalog size
   * @param trainSequences training sequences (catalog indices, oldest first); sequences shorter
   *     than 2 give no target and are skipped
   * @param validation validation examples for early stopping
   */
  public static SasRec train(
      SasRecConfig config,
      int itemCount,
      List<int[]> trainSequences,
      List<IndexedExample> validation) {
    return new SasRec(
        config,
        NextItemTrainer.fit(
            "SASRec",
            config,
            itemCount,
            trainSequences,
            validation,
            CausalTraining.SAMPLES,
            (root, values, trainable) ->
                new CausalTraining.Objective(
                    SasRecNetwork.create(root, config, itemCount, values, trainable),
                    config.maxLength())));
  }

  public SasRecConfig config() {
    return config;
  }
}
