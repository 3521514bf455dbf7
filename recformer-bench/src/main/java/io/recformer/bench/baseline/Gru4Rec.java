package io.recformer.bench.baseline;

import java.util.List;

/**
 * Trains the GRU4Rec baseline ({@link Gru4RecNetwork}): every prefix of every training sequence
 * predicts its next item with a full-softmax cross-entropy over all catalog items (RecBole's
 * setting; one left-to-right pass per sequence), Adam, early stopping on validation NDCG@10 with
 * the best epoch's weights kept.
 */
public final class Gru4Rec {

  private Gru4Rec() {}

  /**
   * Trains GRU4Rec and returns it with the weights of the best validation epoch.
   *
   * @param itemCount catalog size
   * @param trainSequences training sequences (catalog indices, oldest first)
   * @param validation validation examples for early stopping
   */
  public static TrainedBaseline train(
      Gru4RecConfig config,
      int itemCount,
      List<int[]> trainSequences,
      List<IndexedExample> validation) {
    return NextItemTrainer.fit(
        "GRU4Rec",
        config,
        itemCount,
        trainSequences,
        validation,
        CausalTraining.SAMPLES,
        (root, values, trainable) ->
            new CausalTraining.Objective(
                Gru4RecNetwork.create(root, config, itemCount, values, trainable),
                config.maxLength()));
  }
}
