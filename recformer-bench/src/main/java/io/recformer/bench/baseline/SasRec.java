package io.recformer.bench.baseline;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

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
public final class SasRec implements SequenceScorer, AutoCloseable {

  private final SasRecConfig config;
  private final NDManager manager;
  private final Adapter network;
  private final TrainingSummary summary;
  private boolean closed;

  private SasRec(SasRecConfig config, NDManager manager, Adapter network, TrainingSummary summary) {
    this.config = config;
    this.manager = manager;
    this.network = network;
    this.summary = summary;
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
    if (itemCount < 2) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "itemCount = %d must be >= 2", itemCount));
    }
    List<CausalTraining.Window> windows =
        CausalTraining.windows(trainSequences, config.maxLength(), itemCount);
    NDManager root = Engine.getEngine("PyTorch").newBaseManager();
    try {
      NextItemTrainer.Result result;
      try (Adapter net =
          new Adapter(SasRecNetwork.create(root, config, itemCount, null, true), config)) {
        result =
            NextItemTrainer.train(
                new NextItemTrainer.Options(
                    "SASRec",
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
      Adapter trained =
          new Adapter(SasRecNetwork.create(root, config, itemCount, result.best(), false), config);
      return new SasRec(config, root, trained, result.summary());
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  /** The transformer as the shared training loop drives it. */
  private static final class Adapter implements NextItemNetwork<CausalTraining.Window> {
    private final SasRecNetwork net;
    private final SasRecConfig config;

    Adapter(SasRecNetwork net, SasRecConfig config) {
      this.net = net;
      this.config = config;
    }

    @Override
    public Map<String, NDArray> parameters() {
      return net.parameters();
    }

    @Override
    public int itemCount() {
      return net.itemCount();
    }

    @Override
    public NDArray loss(NDManager step, List<CausalTraining.Window> batch, Random random) {
      return CausalTraining.loss(step, batch, net::forward, net.itemTable(step));
    }

    @Override
    public NDArray scores(NDManager batch, List<int[]> histories) {
      return CausalTraining.lastPositionScores(
          batch, histories, config.maxLength(), net::forward, net.itemTable(batch));
    }

    @Override
    public void close() {
      net.close();
    }
  }

  public SasRecConfig config() {
    return config;
  }

  public TrainingSummary summary() {
    return summary;
  }

  @Override
  public String name() {
    return "SASRec";
  }

  @Override
  public int itemCount() {
    return network.itemCount();
  }

  @Override
  public float[][] score(List<int[]> histories) {
    if (closed) {
      throw new IllegalStateException("SASRec model is closed");
    }
    return NextItemTrainer.score(network, manager, config.evalBatchSize(), histories);
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
