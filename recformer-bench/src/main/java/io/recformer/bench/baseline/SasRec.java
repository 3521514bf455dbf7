package io.recformer.bench.baseline;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import io.recformer.core.metrics.HistoryPolicy;
import io.recformer.core.metrics.MetricAccumulator;
import io.recformer.core.metrics.TiePolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SASRec baseline, trained in DJL on the PyTorch engine and used as a {@link SequenceScorer}.
 *
 * <p>Training (RecBole's setting behind the published UniSRec-split numbers): every prefix of every
 * training sequence predicts its next item with a full-softmax cross-entropy over all catalog
 * items. Prefixes are computed in one causal pass per sequence (the output at position t sees items
 * 0..t only, so the loss at every position equals the loss of the prefix ending there); a target
 * beyond {@code maxLength} is predicted from the window of the {@code maxLength} items before it,
 * as the truncated RecBole rows do. Adam, seeded shuffling, validation NDCG@10 (original ties,
 * history kept) after every epoch, early stopping with patience, and the best epoch's weights kept.
 *
 * <p>Score of item i = dot product of the last position's hidden state with item i's embedding.
 */
public final class SasRec implements SequenceScorer, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SasRec.class);

  /** What a training run did. */
  public record TrainingSummary(
      int epochsRun,
      int bestEpoch,
      double bestValidationNdcg10,
      double seconds,
      long targetsPerEpoch,
      List<Double> validationNdcg10,
      List<Double> trainLoss) {
    public TrainingSummary {
      validationNdcg10 = List.copyOf(validationNdcg10);
      trainLoss = List.copyOf(trainLoss);
    }
  }

  private final SasRecConfig config;
  private final NDManager manager;
  private final SasRecNetwork network;
  private final TrainingSummary summary;
  private boolean closed;

  private SasRec(
      SasRecConfig config, NDManager manager, SasRecNetwork network, TrainingSummary summary) {
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
    if (validation.isEmpty()) {
      throw new IllegalArgumentException(
          "validation examples are required for early stopping, got none");
    }
    List<Window> windows = windows(trainSequences, config.maxLength(), itemCount);
    if (windows.isEmpty()) {
      throw new IllegalArgumentException(
          "no training sequence has 2 or more items: nothing to learn from");
    }
    long targets = windows.stream().mapToLong(Window::targetCount).sum();
    Engine engine = Engine.getEngine("PyTorch");
    engine.setRandomSeed((int) config.seed());
    NDManager root = engine.newBaseManager();
    long start = System.nanoTime();
    Map<String, float[]> best;
    int bestEpoch = 0;
    double bestNdcg = Double.NEGATIVE_INFINITY;
    List<Double> history = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    int epoch = 0;
    try (SasRecNetwork net = SasRecNetwork.create(root, config, itemCount, null, true)) {
      Adam adam =
          Adam.builder().optLearningRateTracker(Tracker.fixed(config.learningRate())).build();
      SoftmaxCrossEntropyLoss ce = new SoftmaxCrossEntropyLoss("ce", 1f, -1, true, false);
      Random shuffle = new Random(config.seed() ^ 0x5DEECE66DL);
      best = net.snapshot();
      int sinceBest = 0;
      for (epoch = 1; epoch <= config.maxEpochs(); epoch++) {
        long epochStart = System.nanoTime();
        double lossSum = 0;
        long lossCount = 0;
        for (List<Window> batch : batches(windows, config.batchSize(), shuffle)) {
          try (NDManager step = root.newSubManager()) {
            float loss = step(net, step, batch, adam, ce);
            int count = batch.stream().mapToInt(Window::targetCount).sum();
            lossSum += (double) loss * count;
            lossCount += count;
          }
        }
        double ndcg = validationNdcg(net, root, config, validation);
        double meanLoss = lossSum / lossCount;
        history.add(ndcg);
        losses.add(meanLoss);
        double secs = (System.nanoTime() - epochStart) / 1e9;
        LOG.info(
            String.format(
                Locale.ROOT,
                "SASRec epoch %d: loss %.4f, validation NDCG@10 %.4f, %.1f s (%.0f targets/s)",
                epoch,
                meanLoss,
                ndcg,
                secs,
                targets / secs));
        if (ndcg > bestNdcg) {
          bestNdcg = ndcg;
          bestEpoch = epoch;
          best = net.snapshot();
          sinceBest = 0;
        } else if (++sinceBest >= config.patience()) {
          LOG.info(
              "SASRec: no better validation NDCG@10 for {} epochs, stopping; best epoch {}",
              sinceBest,
              bestEpoch);
          break;
        }
      }
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
    int epochsRun = Math.min(epoch, config.maxEpochs());
    double seconds = (System.nanoTime() - start) / 1e9;
    SasRecNetwork trained = SasRecNetwork.create(root, config, itemCount, best, false);
    return new SasRec(
        config,
        root,
        trained,
        new TrainingSummary(epochsRun, bestEpoch, bestNdcg, seconds, targets, history, losses));
  }

  /**
   * One epoch's batches, bucketed by length: windows are shuffled, stably sorted by length (so
   * equal lengths stay in random order), cut into batches and the batches shuffled. Most histories
   * are short (mean about 5 on Scientific) and a random batch would be padded to its longest
   * member, nearly 50, wasting most of the transformer's work.
   */
  private static List<List<Window>> batches(List<Window> windows, int batchSize, Random shuffle) {
    List<Window> order = new ArrayList<>(windows);
    Collections.shuffle(order, shuffle);
    order.sort(Comparator.comparingInt(w -> w.input.length));
    List<List<Window>> batches = new ArrayList<>();
    for (int from = 0; from < order.size(); from += batchSize) {
      batches.add(order.subList(from, Math.min(order.size(), from + batchSize)));
    }
    Collections.shuffle(batches, shuffle);
    return batches;
  }

  /** Receives one history's score row. */
  @FunctionalInterface
  private interface RowConsumer {
    void accept(int index, float[] scores);
  }

  /**
   * Scores histories in length-sorted chunks (little padding) and hands each row back with its
   * original index.
   */
  private static void scoreSorted(
      SasRecNetwork net,
      NDManager root,
      SasRecConfig config,
      List<int[]> histories,
      RowConsumer consumer) {
    Integer[] order = new Integer[histories.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> histories.get(i).length));
    for (int from = 0; from < order.length; from += config.evalBatchSize()) {
      int to = Math.min(order.length, from + config.evalBatchSize());
      List<int[]> chunk = new ArrayList<>(to - from);
      for (int k = from; k < to; k++) {
        chunk.add(histories.get(order[k]));
      }
      float[][] rows = score(net, root, config, chunk);
      for (int k = from; k < to; k++) {
        consumer.accept(order[k], rows[k - from]);
      }
    }
  }

  /** One optimizer step on a batch; returns the batch's mean loss. */
  private static float step(
      SasRecNetwork net,
      NDManager step,
      List<Window> batch,
      Adam adam,
      SoftmaxCrossEntropyLoss ce) {
    int len = batch.stream().mapToInt(w -> w.input.length).max().orElseThrow();
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
    NDArray idArray = step.create(ids, new Shape(b, len));
    NDArray loss;
    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
      NDArray hidden = net.forward(step, idArray, lengths, true);
      NDArray selected = SasRecNetwork.gatherPositions(hidden, step.create(positions));
      NDArray logits = selected.matMul(net.itemTable(step).transpose());
      // The loss is built with fromLogit = false, which in DJL means "predictions are already log
      // probabilities", so the log-softmax over all items is taken here explicitly.
      loss = ce.evaluate(new NDList(step.create(labels)), new NDList(logits.logSoftmax(-1)));
      collector.backward(loss);
    }
    for (Map.Entry<String, NDArray> e : net.parameters().entrySet()) {
      NDArray weight = e.getValue();
      NDArray grad = weight.getGradient();
      grad.attach(step);
      adam.update(e.getKey(), weight, grad);
      // PyTorch accumulates gradients across backward calls; reset for the next step.
      grad.subi(grad);
    }
    return loss.getFloat();
  }

  /** Validation NDCG@10 under the published protocol (original ties, history kept). */
  private static double validationNdcg(
      SasRecNetwork net, NDManager root, SasRecConfig config, List<IndexedExample> validation) {
    MetricAccumulator acc = new MetricAccumulator(TiePolicy.ORIGINAL, HistoryPolicy.KEEP, 10);
    List<int[]> histories = new ArrayList<>(validation.size());
    validation.forEach(e -> histories.add(e.historyView()));
    scoreSorted(
        net, root, config, histories, (i, row) -> acc.add(row, validation.get(i).target(), null));
    return acc.report().get("NDCG@10");
  }

  private static float[][] score(
      SasRecNetwork net, NDManager root, SasRecConfig config, List<int[]> histories) {
    int b = histories.size();
    int items = net.itemCount();
    int len = 1;
    for (int[] h : histories) {
      if (h.length == 0) {
        throw new IllegalArgumentException("cannot score an empty history");
      }
      len = Math.max(len, Math.min(h.length, config.maxLength()));
    }
    long[] ids = new long[b * len];
    int[] lengths = new int[b];
    long[] last = new long[b];
    for (int r = 0; r < b; r++) {
      int[] h = histories.get(r);
      int n = Math.min(h.length, config.maxLength());
      int offset = h.length - n;
      for (int i = 0; i < n; i++) {
        int item = h[offset + i];
        if (item < 0 || item >= items) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "history item index %d is out of range: must be in [0, %d)",
                  item,
                  items));
        }
        ids[r * len + i] = item + 1L;
      }
      lengths[r] = n;
      last[r] = (long) r * len + n - 1;
    }
    try (NDManager batch = root.newSubManager()) {
      NDArray hidden = net.forward(batch, batch.create(ids, new Shape(b, len)), lengths, false);
      NDArray state = SasRecNetwork.gatherPositions(hidden, batch.create(last));
      float[] flat = state.matMul(net.itemTable(batch).transpose()).toFloatArray();
      float[][] rows = new float[b][];
      for (int r = 0; r < b; r++) {
        rows[r] = Arrays.copyOfRange(flat, r * items, (r + 1) * items);
      }
      return rows;
    }
  }

  /**
   * A training window: input items and, from {@code firstTarget} on, the next item at each
   * position.
   */
  // Arrays for speed: windows are built once per epoch and never compared.
  @SuppressWarnings("ArrayRecordComponent")
  private record Window(int[] input, int[] targets, int firstTarget) {
    int targetCount() {
      return input.length - firstTarget;
    }
  }

  private static List<Window> windows(List<int[]> sequences, int maxLength, int itemCount) {
    List<Window> out = new ArrayList<>();
    for (int[] s : sequences) {
      for (int item : s) {
        if (item < 0 || item >= itemCount) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "training item index %d is out of range: must be in [0, %d)",
                  item,
                  itemCount));
        }
      }
      if (s.length < 2) {
        continue;
      }
      int w = Math.min(s.length - 1, maxLength);
      // Targets 1..w from the causal pass over items 0..w-1.
      out.add(new Window(Arrays.copyOfRange(s, 0, w), Arrays.copyOfRange(s, 1, w + 1), 0));
      // Targets beyond the window: the maxLength items before each, loss at the last position only.
      for (int target = w + 1; target < s.length; target++) {
        int[] input = Arrays.copyOfRange(s, target - maxLength, target);
        int[] labels = new int[maxLength];
        labels[maxLength - 1] = s[target];
        out.add(new Window(input, labels, maxLength - 1));
      }
    }
    return out;
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
    float[][] rows = new float[histories.size()][];
    scoreSorted(network, manager, config, histories, (i, row) -> rows[i] = row);
    return rows;
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
