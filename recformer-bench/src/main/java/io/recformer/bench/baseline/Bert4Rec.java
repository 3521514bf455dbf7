package io.recformer.bench.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Trains the BERT4Rec baseline: the bidirectional variant of {@link SasRecNetwork} learns a cloze
 * task. Each training sequence is cut from its end into windows of {@code maxLength} items; every
 * step masks each position with probability {@code maskRatio} (a fresh seeded draw each epoch, and
 * the last item when the draw masks none, which are the paper's last-item samples that match
 * prediction) and predicts the masked items with a full-softmax cross-entropy over all items.
 * Prediction appends a [mask] to the last {@code maxLength - 1} history items and scores that
 * position. Adam, early stopping on validation NDCG@10 with the best epoch's weights kept.
 */
public final class Bert4Rec {

  private static final SoftmaxCrossEntropyLoss CE =
      new SoftmaxCrossEntropyLoss("ce", 1f, -1, true, false);

  private Bert4Rec() {}

  /**
   * Trains BERT4Rec and returns it with the weights of the best validation epoch.
   *
   * @param itemCount catalog size
   * @param trainSequences training sequences (catalog indices, oldest first)
   * @param validation validation examples for early stopping
   */
  public static TrainedBaseline train(
      Bert4RecConfig config,
      int itemCount,
      List<int[]> trainSequences,
      List<IndexedExample> validation) {
    return NextItemTrainer.fit(
        "BERT4Rec",
        config,
        itemCount,
        trainSequences,
        validation,
        new NextItemTrainer.Samples<>(Bert4Rec::windows, w -> w.length, w -> w.length),
        (root, values, trainable) ->
            new Cloze(
                SasRecNetwork.create(
                    root, config.transformer(), itemCount, values, trainable, true),
                config));
  }

  /** Windows of at most {@code maxLength} items cut from each sequence's end; 2 items at least. */
  static List<int[]> windows(List<int[]> sequences, int maxLength, int itemCount) {
    List<int[]> out = new ArrayList<>();
    for (int[] s : sequences) {
      CausalTraining.checkItems(s, itemCount);
      for (int end = s.length; end >= 2; end -= maxLength) {
        out.add(Arrays.copyOfRange(s, Math.max(0, end - maxLength), end));
      }
    }
    return out;
  }

  /** The encoder under the cloze loss and [mask]-appended scoring. */
  private record Cloze(SasRecNetwork network, Bert4RecConfig config)
      implements NextItemNetwork<int[]> {

    @Override
    public NDArray loss(NDManager step, List<int[]> batch, Random random) {
      int len = batch.stream().mapToInt(w -> w.length).max().orElseThrow();
      int b = batch.size();
      long[] ids = new long[b * len];
      int[] lengths = new int[b];
      List<Long> positions = new ArrayList<>();
      List<Long> labels = new ArrayList<>();
      for (int r = 0; r < b; r++) {
        int[] w = batch.get(r);
        lengths[r] = w.length;
        boolean any = false;
        for (int i = 0; i < w.length; i++) {
          boolean masked = random.nextFloat() < config.maskRatio();
          if (!masked && !any && i == w.length - 1) {
            masked = true;
          }
          any |= masked;
          ids[r * len + i] = masked ? network.maskId() : w[i] + 1L;
          if (masked) {
            positions.add((long) r * len + i);
            labels.add((long) w[i]);
          }
        }
      }
      NDArray hidden = network.forward(step, step.create(ids, new Shape(b, len)), lengths, true);
      NDArray selected =
          CausalTraining.gatherPositions(
              hidden, step.create(positions.stream().mapToLong(Long::longValue).toArray()));
      NDArray logits = network.bidirectionalLogits(step, selected);
      NDArray target = step.create(labels.stream().mapToLong(Long::longValue).toArray());
      // fromLogit = false in DJL means "already log probabilities": log-softmax taken here.
      return CE.evaluate(new NDList(target), new NDList(logits.logSoftmax(-1)));
    }

    @Override
    public NDArray scores(NDManager batch, List<int[]> histories) {
      int b = histories.size();
      int keep = config.maxLength() - 1;
      int len = 1;
      for (int[] h : histories) {
        len = Math.max(len, Math.min(h.length, keep) + 1);
      }
      long[] ids = new long[b * len];
      int[] lengths = new int[b];
      long[] maskPositions = new long[b];
      for (int r = 0; r < b; r++) {
        int[] h = histories.get(r);
        int n = Math.min(h.length, keep);
        int offset = h.length - n;
        for (int i = 0; i < n; i++) {
          ids[r * len + i] = h[offset + i] + 1L;
        }
        ids[r * len + n] = network.maskId();
        lengths[r] = n + 1;
        maskPositions[r] = (long) r * len + n;
      }
      NDArray hidden = network.forward(batch, batch.create(ids, new Shape(b, len)), lengths, false);
      return network.bidirectionalLogits(
          batch, CausalTraining.gatherPositions(hidden, batch.create(maskPositions)));
    }
  }
}
