package io.recformer.bench.baseline;

import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * A trained ID-based baseline (GRU4Rec, BERT4Rec) holding its best-on-validation weights, used as a
 * {@link SequenceScorer}. Owns the native memory of its network: close it.
 */
public final class TrainedBaseline implements SequenceScorer, AutoCloseable {

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

  /** The hyperparameters it was trained with, for the results' settings. */
  public String settings() {
    return settings;
  }

  public TrainingSummary summary() {
    return summary;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int itemCount() {
    return network.itemCount();
  }

  @Override
  public float[][] score(List<int[]> histories) {
    if (closed) {
      throw new IllegalStateException(name + " model is closed");
    }
    return NextItemTrainer.score(network, manager, evalBatchSize, histories);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      network.close();
      manager.close();
    }
  }
}
