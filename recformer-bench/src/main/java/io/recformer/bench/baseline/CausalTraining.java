package io.recformer.bench.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Training samples and loss of the left-to-right baselines (SASRec, GRU4Rec), whose output at
 * position t sees items 0..t only: one pass over a sequence gives every prefix's next-item
 * prediction, so the loss at every position equals the loss of the prefix ending there (RecBole's
 * all-prefixes training at the cost of one forward pass per sequence).
 */
final class CausalTraining {

  private static final SoftmaxCrossEntropyLoss CE =
      new SoftmaxCrossEntropyLoss("ce", 1f, -1, true, false);

  /** Computes hidden states {@code [batch, length, hidden]} of right-padded id rows. */
  @FunctionalInterface
  interface Encoder {
    NDArray hidden(NDManager batch, NDArray ids, int[] lengths, boolean training);
  }

  /**
   * A training window: input items and, from {@code firstTarget} on, the next item at each
   * position.
   */
  // Arrays for speed: windows are built once per run and never compared.
  @SuppressWarnings("ArrayRecordComponent")
  record Window(int[] input, int[] targets, int firstTarget) {
    int targetCount() {
      return input.length - firstTarget;
    }

    int length() {
      return input.length;
    }
  }

  /** Causal windows as the shared trainer cuts and measures them. */
  static final NextItemTrainer.Samples<Window> SAMPLES =
      new NextItemTrainer.Samples<>(CausalTraining::windows, Window::length, Window::targetCount);

  /**
   * A left-to-right network under the all-prefixes loss, scoring from each history's last position.
   *
   * @param maxLength history window of the scores
   */
  record Objective(ItemNetwork network, int maxLength) implements NextItemNetwork<Window> {
    @Override
    public NDArray loss(NDManager step, List<Window> batch, Random random) {
      return CausalTraining.loss(step, batch, network::forward, network.itemTable(step));
    }

    @Override
    public NDArray scores(NDManager batch, List<int[]> histories) {
      return lastPositionScores(
          batch, histories, maxLength, network::forward, network.itemTable(batch));
    }
  }

  private CausalTraining() {}

  /**
   * The windows of {@code sequences}: the first {@code maxLength} targets from one causal pass; a
   * target beyond {@code maxLength} is predicted from the window of the {@code maxLength} items
   * before it (loss at its last position only), as the truncated RecBole rows do.
   */
  static List<Window> windows(List<int[]> sequences, int maxLength, int itemCount) {
    List<Window> out = new ArrayList<>();
    for (int[] s : sequences) {
      checkItems(s, itemCount);
      if (s.length < 2) {
        continue;
      }
      int w = Math.min(s.length - 1, maxLength);
      out.add(new Window(Arrays.copyOfRange(s, 0, w), Arrays.copyOfRange(s, 1, w + 1), 0));
      for (int target = w + 1; target < s.length; target++) {
        int[] input = Arrays.copyOfRange(s, target - maxLength, target);
        int[] labels = new int[maxLength];
        labels[maxLength - 1] = s[target];
        out.add(new Window(input, labels, maxLength - 1));
      }
    }
    return out;
  }

  static void checkItems(int[] sequence, int itemCount) {
    for (int item : sequence) {
      if (item < 0 || item >= itemCount) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "training item index %d is out of range: must be in [0, %d)",
                item,
                itemCount));
      }
    }
  }

  /**
   * Mean full-softmax cross-entropy over all catalog items at every target position of the batch.
   *
   * @param itemTable {@code [items, hidden]} output item embeddings
   */
  static NDArray loss(NDManager step, List<Window> batch, Encoder encoder, NDArray itemTable) {
    int len = batch.stream().mapToInt(Window::length).max().orElseThrow();
    int b = batch.size();
    long[] ids = new long[b * len];
    int[] lengths = new int[b];
    int targetCount = batch.stream().mapToInt(Window::targetCount).sum();
    long[] positions = new long[targetCount];
    long[] labels = new long[targetCount];
    int t = 0;
    for (int r = 0; r < b; r++) {
      Window w = batch.get(r);
      lengths[r] = w.input.length;
      for (int i = 0; i < w.input.length; i++) {
        ids[r * len + i] = w.input[i] + 1L;
        if (i >= w.firstTarget) {
          positions[t] = (long) r * len + i;
          labels[t] = w.targets[i];
          t++;
        }
      }
    }
    NDArray hidden = encoder.hidden(step, step.create(ids, new Shape(b, len)), lengths, true);
    NDArray selected = gatherPositions(hidden, step.create(positions));
    NDArray logits = selected.matMul(itemTable.transpose());
    // The loss is built with fromLogit = false, which in DJL means "predictions are already log
    // probabilities", so the log-softmax over all items is taken here explicitly.
    return CE.evaluate(new NDList(step.create(labels)), new NDList(logits.logSoftmax(-1)));
  }

  /**
   * Scores {@code [histories, items]} from the hidden state at each history's last position; only
   * the last {@code maxLength} items of a history are read.
   */
  static NDArray lastPositionScores(
      NDManager batch, List<int[]> histories, int maxLength, Encoder encoder, NDArray itemTable) {
    int b = histories.size();
    int len = 1;
    for (int[] h : histories) {
      len = Math.max(len, Math.min(h.length, maxLength));
    }
    long[] ids = new long[b * len];
    int[] lengths = new int[b];
    long[] last = new long[b];
    for (int r = 0; r < b; r++) {
      int[] h = histories.get(r);
      int n = Math.min(h.length, maxLength);
      int offset = h.length - n;
      for (int i = 0; i < n; i++) {
        ids[r * len + i] = h[offset + i] + 1L;
      }
      lengths[r] = n;
      last[r] = (long) r * len + n - 1;
    }
    NDArray hidden = encoder.hidden(batch, batch.create(ids, new Shape(b, len)), lengths, false);
    return gatherPositions(hidden, batch.create(last)).matMul(itemTable.transpose());
  }

  /**
   * Rows {@code index} of a {@code [batch, length, hidden]} tensor flattened to positions: a gather
   * through the embedding op, which keeps the result in the index's manager and is differentiable.
   */
  static NDArray gatherPositions(NDArray hidden, NDArray flatPositions) {
    Shape s = hidden.getShape();
    NDArray flat = hidden.reshape(s.get(0) * s.get(1), s.get(2));
    return Embedding.embedding(flatPositions, flat, SparseFormat.DENSE).singletonOrThrow();
  }
}
