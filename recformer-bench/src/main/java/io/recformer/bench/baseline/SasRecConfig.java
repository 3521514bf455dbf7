package io.recformer.bench.baseline;

import java.util.Locale;

/**
 * Hyperparameters of the SASRec baseline (Kang and McAuley, ICDM 2018) as RecBole configures it for
 * the published UniSRec-split numbers: post-LN Transformer blocks with GELU, full-softmax
 * cross-entropy over all items.
 *
 * @param hiddenSize embedding and hidden width; larger fits more but overfits sparse data (typical
 *     64)
 * @param heads attention heads, must divide {@code hiddenSize} (typical 2)
 * @param layers self-attention blocks (typical 2)
 * @param innerSize width of the point-wise feed-forward layer (typical 4 x hidden = 256)
 * @param maxLength history window: only the last {@code maxLength} items are read (typical 50)
 * @param hiddenDropout dropout on embeddings and block outputs; sparse data wants 0.2-0.5 (typical
 *     0.5)
 * @param attentionDropout dropout on attention probabilities (typical 0.5)
 * @param learningRate Adam step size (typical 1e-3)
 * @param batchSize training sequences per step; every prefix of a sequence is a target, so a step
 *     holds several times as many targets (typical 512, about 2,000 targets on Scientific)
 * @param maxEpochs upper bound on passes over the training sequences
 * @param patience stop after this many epochs without a better validation NDCG@10 (typical 10)
 * @param evalBatchSize histories scored per forward pass during validation and test
 * @param seed seeds initialization, shuffling and dropout
 */
public record SasRecConfig(
    int hiddenSize,
    int heads,
    int layers,
    int innerSize,
    int maxLength,
    float hiddenDropout,
    float attentionDropout,
    float learningRate,
    int batchSize,
    int maxEpochs,
    int patience,
    int evalBatchSize,
    long seed)
    implements TrainingSettings {

  /**
   * RecBole's SASRec defaults used for the published numbers. 512 sequences hold about 2,000
   * targets on Scientific, close to RecBole's batch of 2,048 prefixes; 128 peaked earlier and lower
   * (docs/benchmarks.md, "Quality: baselines").
   */
  public static SasRecConfig defaults() {
    return new SasRecConfig(64, 2, 2, 256, 50, 0.5f, 0.5f, 1e-3f, 512, 200, 10, 512, 42L);
  }

  public SasRecConfig {
    Checks.positive("hiddenSize", hiddenSize);
    Checks.positive("heads", heads);
    Checks.positive("layers", layers);
    Checks.positive("innerSize", innerSize);
    Checks.positive("maxLength", maxLength);
    Checks.trainingLoop(batchSize, maxEpochs, patience, evalBatchSize);
    if (hiddenSize % heads != 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT, "hiddenSize = %d must be divisible by heads = %d", hiddenSize, heads));
    }
    Checks.probability("hiddenDropout", hiddenDropout);
    Checks.probability("attentionDropout", attentionDropout);
    Checks.learningRate(learningRate);
  }

  /** This config with the options a run sets; {@code dropout} is both hidden and attention. */
  public SasRecConfig with(
      int epochs, int patienceEpochs, int sequences, float dropout, float rate, long newSeed) {
    return new SasRecConfig(
        hiddenSize,
        heads,
        layers,
        innerSize,
        maxLength,
        dropout,
        dropout,
        rate,
        sequences,
        epochs,
        patienceEpochs,
        evalBatchSize,
        newSeed);
  }

  public SasRecConfig withShape(int hidden, int headCount, int layerCount, int inner) {
    return new SasRecConfig(
        hidden,
        headCount,
        layerCount,
        inner,
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
