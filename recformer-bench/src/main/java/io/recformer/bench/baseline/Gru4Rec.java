package io.recformer.bench.baseline;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Locale;

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
    if (itemCount < 2) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "itemCount = %d must be >= 2", itemCount));
    }
    List<CausalTraining.Window> windows =
        CausalTraining.windows(trainSequences, config.maxLength(), itemCount);
    NDManager root = Engine.getEngine("PyTorch").newBaseManager();
    try {
      NextItemTrainer.Result result;
      try (Gru4RecNetwork net = Gru4RecNetwork.create(root, config, itemCount, null, true)) {
        result =
            NextItemTrainer.train(
                new NextItemTrainer.Options(
                    "GRU4Rec",
                    config.learningRate(),
                    config.batchSize(),
                    config.maxEpochs(),
                    config.patience(),
                    config.evalBatchSize(),
                    config.seed()),
                net,
                root,
                windows,
                CausalTraining.Window::length,
                CausalTraining.Window::targetCount,
                validation);
      }
      Gru4RecNetwork trained = Gru4RecNetwork.create(root, config, itemCount, result.best(), false);
      return new TrainedBaseline(
          "GRU4Rec", config.toString(), root, trained, config.evalBatchSize(), result.summary());
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }
}
