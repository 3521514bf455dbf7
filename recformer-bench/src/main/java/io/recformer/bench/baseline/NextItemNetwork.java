package io.recformer.bench.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A network under its training objective, as {@link NextItemTrainer} drives it: the network whose
 * parameters train, the loss of a batch of training samples, and the scores of every catalog item
 * for a batch of histories.
 *
 * @param <S> one training sample (a window of a sequence, with its targets)
 */
interface NextItemNetwork<S> extends AutoCloseable {

  /** The network that owns the parameters. */
  ItemNetwork network();

  /** Trainable arrays by name, in a fixed order. */
  default Map<String, NDArray> parameters() {
    return network().parameters();
  }

  /** Catalog size (the length of a score row). */
  default int itemCount() {
    return network().itemCount();
  }

  /**
   * The mean loss over the targets of {@code batch}, in training mode (dropout on), built in {@code
   * step} inside the caller's gradient collector.
   *
   * @param random the run's seeded source for anything drawn per step (BERT4Rec's masks)
   */
  NDArray loss(NDManager step, List<S> batch, Random random);

  /**
   * Scores {@code [histories, items]} in inference mode, in {@code batch}; histories are non-empty
   * catalog indices, oldest first, and longer ones are cut to the network's window.
   */
  NDArray scores(NDManager batch, List<int[]> histories);

  /** A copy of every parameter's values. */
  default Map<String, float[]> snapshot() {
    Map<String, float[]> copy = new LinkedHashMap<>();
    parameters().forEach((k, v) -> copy.put(k, v.toFloatArray()));
    return copy;
  }

  @Override
  default void close() {
    network().close();
  }
}
