package io.recformer.bench.baseline;

/**
 * The settings of {@link NextItemTrainer}'s run that every ID baseline's config carries (the
 * records' javadoc gives typical values): the record accessors implement them.
 */
interface TrainingSettings {

  /** History window: only the last {@code maxLength} items are read. */
  int maxLength();

  /** Adam step size. */
  float learningRate();

  /** Training samples per step. */
  int batchSize();

  /** Upper bound on epochs. */
  int maxEpochs();

  /** Epochs without a better validation NDCG@10 before stopping. */
  int patience();

  /** Histories scored per forward pass during validation and test. */
  int evalBatchSize();

  /** Seeds initialization, the engine (dropout), the shuffling and anything drawn per step. */
  long seed();
}
