package io.recformer.bench.baseline;

import java.util.Locale;

/**
 * Hyperparameters of the GRU4Rec baseline (Hidasi et al., ICLR 2016) as RecBole configures it for
 * the Recformer and UniSRec comparisons: item embedding, dropout, one GRU layer, a dense layer back
 * to the embedding width, full-softmax cross-entropy over all items.
 *
 * @param embeddingSize item embedding width; larger fits more but overfits sparse data (typical 64)
 * @param hiddenSize GRU state width (typical 128)
 * @param dropout dropout on the item embeddings (typical 0.3)
 * @param maxLength history window: only the last {@code maxLength} items are read (typical 50)
 * @param learningRate Adam step size (typical 1e-3)
 * @param batchSize training sequences per step (typical 512)
 * @param maxEpochs upper bound on passes over the training sequences
 * @param patience stop after this many epochs without a better validation NDCG@10 (typical 10)
 * @param evalBatchSize histories scored per forward pass during validation and test
 * @param seed seeds initialization, shuffling and dropout
 */
public record Gru4RecConfig(
    int embeddingSize,
    int hiddenSize,
    float dropout,
    int maxLength,
    float learningRate,
    int batchSize,
    int maxEpochs,
    int patience,
    int evalBatchSize,
    long seed)
    implements TrainingSettings {

  /** RecBole's GRU4Rec defaults. */
  public static Gru4RecConfig defaults() {
    return new Gru4RecConfig(64, 128, 0.3f, 50, 1e-3f, 512, 200, 10, 512, 42L);
  }

  public Gru4RecConfig {
    Checks.positive("embeddingSize", embeddingSize);
    Checks.positive("hiddenSize", hiddenSize);
    Checks.positive("maxLength", maxLength);
    Checks.trainingLoop(batchSize, maxEpochs, patience, evalBatchSize);
    Checks.probability("dropout", dropout);
    Checks.learningRate(learningRate);
  }

  /** This config with the options a run sets. */
  public Gru4RecConfig with(
      int epochs, int patienceEpochs, int sequences, float dropoutRate, float rate, long newSeed) {
    return new Gru4RecConfig(
        embeddingSize,
        hiddenSize,
        dropoutRate,
        maxLength,
        rate,
        sequences,
        epochs,
        patienceEpochs,
        evalBatchSize,
        newSeed);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "Gru4RecConfig[embeddingSize=%d, hiddenSize=%d, dropout=%s, maxLength=%d,"
            + " learningRate=%s, batchSize=%d, maxEpochs=%d, patience=%d, seed=%d]",
        embeddingSize,
        hiddenSize,
        dropout,
        maxLength,
        learningRate,
        batchSize,
        maxEpochs,
        patience,
        seed);
  }
}
