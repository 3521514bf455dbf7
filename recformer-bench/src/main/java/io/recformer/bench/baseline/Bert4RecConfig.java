package io.recformer.bench.baseline;

import java.util.Locale;

/**
 * Hyperparameters of the BERT4Rec baseline (Sun et al., CIKM 2019) as RecBole configures it for the
 * Recformer and UniSRec comparisons: a bidirectional post-LN transformer trained by cloze masking,
 * full-softmax cross-entropy over all items at the masked positions.
 *
 * @param hiddenSize embedding and hidden width (typical 64)
 * @param heads attention heads, must divide {@code hiddenSize} (typical 2)
 * @param layers transformer blocks (typical 2)
 * @param innerSize width of the point-wise feed-forward layer (typical 256)
 * @param maxLength positions read, the appended [mask] included (typical 50)
 * @param hiddenDropout dropout on embeddings and block outputs (typical 0.2)
 * @param attentionDropout dropout on attention probabilities (typical 0.2)
 * @param maskRatio probability of masking each training position; more masks give more targets per
 *     pass but less context per target (typical 0.2)
 * @param learningRate Adam step size (typical 1e-3)
 * @param batchSize training sequences per step (typical 512)
 * @param maxEpochs upper bound on passes over the training sequences
 * @param patience stop after this many epochs without a better validation NDCG@10 (typical 10)
 * @param evalBatchSize histories scored per forward pass during validation and test
 * @param seed seeds initialization, shuffling, masking and dropout
 */
public record Bert4RecConfig(
    int hiddenSize,
    int heads,
    int layers,
    int innerSize,
    int maxLength,
    float hiddenDropout,
    float attentionDropout,
    float maskRatio,
    float learningRate,
    int batchSize,
    int maxEpochs,
    int patience,
    int evalBatchSize,
    long seed)
    implements TrainingSettings {

  /** RecBole's BERT4Rec defaults. */
  public static Bert4RecConfig defaults() {
    return new Bert4RecConfig(64, 2, 2, 256, 50, 0.2f, 0.2f, 0.2f, 1e-3f, 512, 200, 10, 512, 42L);
  }

  public Bert4RecConfig {
    Checks.positive("hiddenSize", hiddenSize);
    Checks.positive("heads", heads);
    Checks.positive("layers", layers);
    Checks.positive("innerSize", innerSize);
    Checks.trainingLoop(batchSize, maxEpochs, patience, evalBatchSize);
    if (maxLength < 2) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "maxLength = %d must be >= 2 (history + [mask])", maxLength));
    }
    Checks.probability("hiddenDropout", hiddenDropout);
    Checks.probability("attentionDropout", attentionDropout);
    if (!(maskRatio > 0 && maskRatio < 1)) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "maskRatio = %s must be in (0, 1) (typical 0.2)", maskRatio));
    }
    Checks.learningRate(learningRate);
  }

  /** This config with the options a run sets. */
  public Bert4RecConfig with(
      int epochs, int patienceEpochs, int sequences, float dropout, float rate, long newSeed) {
    return new Bert4RecConfig(
        hiddenSize,
        heads,
        layers,
        innerSize,
        maxLength,
        dropout,
        dropout,
        maskRatio,
        rate,
        sequences,
        epochs,
        patienceEpochs,
        evalBatchSize,
        newSeed);
  }

  /** The encoder's shape as the shared transformer network takes it. */
  SasRecConfig transformer() {
    return new SasRecConfig(
        hiddenSize,
        heads,
        layers,
        innerSize,
        maxLength,
        hiddenDropout,
        attentionDropout,
        learningRate,
        batchSize,
        maxEpochs,
        patience,
        evalBatchSize,
        seed);
  }
}
