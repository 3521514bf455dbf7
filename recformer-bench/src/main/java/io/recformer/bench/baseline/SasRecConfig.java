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
    long seed) {

  /**
   * RecBole's SASRec defaults used for the published numbers. 512 sequences hold about 2,000
   * targets on Scientific, close to RecBole's batch of 2,048 prefixes; 128 peaked earlier and lower
   * (docs/benchmarks.md, "Quality: baselines").
   */
  public static SasRecConfig defaults() {
    return new SasRecConfig(64, 2, 2, 256, 50, 0.5f, 0.5f, 1e-3f, 512, 200, 10, 512, 42L);
  }

  public SasRecConfig {
    positive("hiddenSize", hiddenSize);
    positive("heads", heads);
    positive("layers", layers);
    positive("innerSize", innerSize);
    positive("maxLength", maxLength);
    positive("batchSize", batchSize);
    positive("maxEpochs", maxEpochs);
    positive("patience", patience);
    positive("evalBatchSize", evalBatchSize);
    if (hiddenSize % heads != 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT, "hiddenSize = %d must be divisible by heads = %d", hiddenSize, heads));
    }
    probability("hiddenDropout", hiddenDropout);
    probability("attentionDropout", attentionDropout);
    if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "learningRate = %s must be a positive finite number (typical 1e-3)",
              learningRate));
    }
  }

  public SasRecConfig withMaxEpochs(int epochs) {
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
        epochs,
        patience,
        evalBatchSize,
        seed);
  }

  public SasRecConfig withDropout(float hidden, float attention) {
    return new SasRecConfig(
        hiddenSize,
        heads,
        layers,
        innerSize,
        maxLength,
        hidden,
        attention,
        learningRate,
        batchSize,
        maxEpochs,
        patience,
        evalBatchSize,
        seed);
  }

  public SasRecConfig withPatience(int epochs) {
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
        epochs,
        evalBatchSize,
        seed);
  }

  public SasRecConfig withBatchSize(int sequences) {
    return new SasRecConfig(
        hiddenSize,
        heads,
        layers,
        innerSize,
        maxLength,
        hiddenDropout,
        attentionDropout,
        learningRate,
        sequences,
        maxEpochs,
        patience,
        evalBatchSize,
        seed);
  }

  public SasRecConfig withSeed(long newSeed) {
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

  private static void positive(String field, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %d must be >= 1", field, value));
    }
  }

  private static void probability(String field, float value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %s must be in [0, 1) (typical 0.2-0.5)", field, value));
    }
  }
}
