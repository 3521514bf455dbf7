package io.recformer.bench.baseline;

import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * A trained ID-based baseline (SASRec, GRU4Rec, BERT4Rec) holding its best-on-validation weights,
 * used as a {@link SequenceScorer}. Owns the native memory of its network: close it. {@link SasRec}
 * extends it only to keep its typed config.
 */
public sealed class TrainedBaseline implements SequenceScorer, AutoCloseable permits SasRec {

  private final String name;
  private final String settings;
  private final NDManager manager;
  private final NextItemNetwork<?> network;
  private final int evalBatchSize;
  private final TrainingSummary summary;
  private boolean closed;

  TrainedBaseline(
      String name,
      String settings,
      NDManager manager,
      NextItemNetwork<?> network,
      int evalBatchSize,
      TrainingSummary summary) {
    this.name = name;
    this.settings = settings;
    this.manager = manager;
    this.network = network;
    this.evalBatchSize = evalBatchSize;
    this.summary = summary;
  }

  /** Takes over what {@code trained} owns; {@code trained} must not be used afterwards. */
  TrainedBaseline(TrainedBaseline trained) {
    this(
        trained.name,
        trained.settings,
        trained.manager,
        trained.network,
        trained.evalBatchSize,
        trained.summary);
  }

  /** The hyperparameters it was trained with, for the results' settings. */
  public final String settings() {
    return settings;
  }

  public final TrainingSummary summary() {
    return summary;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int itemCount() {
    return network.itemCount();
  }

  @Override
  public final float[][] score(List<int[]> histories) {
    if (closed) {
      throw new IllegalStateException(name + " model is closed");
    }
    return NextItemTrainer.score(network, manager, evalBatchSize, histories);
  }

  @Override
  public final void close() {
    if (!closed) {
      closed = true;
      network.close();
      manager.close();
    }
  }
}
