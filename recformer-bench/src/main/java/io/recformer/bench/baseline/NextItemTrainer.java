package io.recformer.bench.baseline;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop shared by the ID-based baselines (SASRec, GRU4Rec, BERT4Rec): Adam at a fixed
 * learning rate over length-bucketed, seeded-shuffled batches; validation NDCG@10 (original ties,
 * history kept, full ranking) after every epoch; early stopping after {@code patience} epochs
 * without a better validation score; the best epoch's weights returned. {@link #fit} is the whole
 * run each baseline's {@code train} makes: what differs between the models is only how they cut
 * sequences into samples ({@link Samples}) and the network under its objective ({@link Builder}).
 *
 * <p>Validation ranks on the engine: each history's score row stays native and only the count of
 * items scoring strictly above the target comes back to Java, which is the whole of what NDCG@10
 * under original ties needs (the same count {@code TargetRank} takes from the same float scores).
 *
 * <p>Each epoch logs its wall time and the CPU time of the training thread: with one PyTorch
 * intra-op thread every op runs on that thread, so targets per CPU second measure the code, not how
 * busy the machine is (on a shared 2-core machine wall time can be several times the CPU time).
 */
final class NextItemTrainer {

  private static final Logger LOG = LoggerFactory.getLogger(NextItemTrainer.class);

  /** How a model cuts training sequences into samples, and what a sample holds. */
  record Samples<S>(Cutter<S> cutter, ToIntFunction<S> length, ToIntFunction<S> targetCount) {}

  /** Cuts training sequences into a model's samples, checking their items against the catalog. */
  @FunctionalInterface
  interface Cutter<S> {
    List<S> cut(List<int[]> sequences, int maxLength, int itemCount);
  }

  /** Builds a model's network under its objective: initialized from its seed, or with values. */
  @FunctionalInterface
  interface Builder<S> {
    NextItemNetwork<S> build(NDManager root, Map<String, float[]> values, boolean trainable);
  }

  /** The best epoch's weights and what the run did. */
  private record Result(Map<String, float[]> best, TrainingSummary summary) {}

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private NextItemTrainer() {}

  /** CPU nanoseconds of the calling thread, or -1 where the JVM cannot tell. */
  private static long threadCpuNanos() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
  }

  /**
   * Trains a model and returns it with the weights of its best validation epoch: the network is
   * built, trained, then built again (not trainable) from the best epoch's weights.
   *
   * @param model label in the log and the scorer's name, e.g. "SASRec"
   * @param itemCount catalog size
   * @param sequences training sequences (catalog indices, oldest first)
   * @param validation validation examples for early stopping
   */
  static <S> TrainedBaseline fit(
      String model,
      TrainingSettings settings,
      int itemCount,
      List<int[]> sequences,
      List<IndexedExample> validation,
      Samples<S> samples,
      Builder<S> builder) {
    if (itemCount < 2) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "itemCount = %d must be >= 2", itemCount));
    }
    List<S> cut = samples.cutter().cut(sequences, settings.maxLength(), itemCount);
    NDManager root = Engine.getEngine("PyTorch").newBaseManager();
    try {
      Result result;
      try (NextItemNetwork<S> net = builder.build(root, null, true)) {
        result = train(model, settings, net, root, cut, samples, validation);
      }
      NextItemNetwork<S> trained = builder.build(root, result.best(), false);
      return new TrainedBaseline(
          model, settings.toString(), root, trained, settings.evalBatchSize(), result.summary());
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  private static <S> Result train(
      String model,
      TrainingSettings settings,
      NextItemNetwork<S> net,
      NDManager root,
      List<S> samples,
      Samples<S> kind,
      List<IndexedExample> validation) {
    if (validation.isEmpty()) {
      throw new IllegalArgumentException(
          "validation examples are required for early stopping, got none");
    }
    if (samples.isEmpty()) {
      throw new IllegalArgumentException(
          "no training sequence has 2 or more items: nothing to learn from");
    }
    long targets = samples.stream().mapToLong(kind.targetCount()::applyAsInt).sum();
    Engine engine = Engine.getEngine("PyTorch");
    engine.setRandomSeed((int) settings.seed());
    Adam adam =
        Adam.builder().optLearningRateTracker(Tracker.fixed(settings.learningRate())).build();
    Random shuffle = new Random(settings.seed() ^ 0x5DEECE66DL);
    Random draws = new Random(settings.seed() ^ 0x2545F4914F6CDD1DL);
    long start = System.nanoTime();
    long startCpu = threadCpuNanos();
    Map<String, float[]> best = net.snapshot();
    int bestEpoch = 0;
    double bestNdcg = Double.NEGATIVE_INFINITY;
    List<Double> history = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    int sinceBest = 0;
    int epoch;
    for (epoch = 1; epoch <= settings.maxEpochs(); epoch++) {
      long epochStart = System.nanoTime();
      long epochCpu = threadCpuNanos();
      double lossSum = 0;
      long lossCount = 0;
      for (List<S> batch : batches(samples, kind.length(), settings.batchSize(), shuffle)) {
        try (NDManager step = root.newSubManager()) {
          NDArray loss;
          try (GradientCollector collector = engine.newGradientCollector()) {
            loss = net.loss(step, batch, draws);
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
          int count = batch.stream().mapToInt(kind.targetCount()).sum();
          lossSum += (double) loss.getFloat() * count;
          lossCount += count;
        }
      }
      double trainSecs = (System.nanoTime() - epochStart) / 1e9;
      double trainCpu = (threadCpuNanos() - epochCpu) / 1e9;
      double ndcg = validationNdcg(net, root, settings.evalBatchSize(), validation);
      double meanLoss = lossSum / lossCount;
      history.add(ndcg);
      losses.add(meanLoss);
      double secs = (System.nanoTime() - epochStart) / 1e9;
      LOG.info(
          String.format(
              Locale.ROOT,
              "%s epoch %d: loss %.4f, validation NDCG@10 %.4f, %.1f s (training %.1f s, %.0f"
                  + " targets/s; %.1f CPU s, %.0f targets per CPU s)",
              model,
              epoch,
              meanLoss,
              ndcg,
              secs,
              trainSecs,
              targets / trainSecs,
              trainCpu,
              targets / trainCpu));
      if (ndcg > bestNdcg) {
        bestNdcg = ndcg;
        bestEpoch = epoch;
        best = net.snapshot();
        sinceBest = 0;
      } else if (++sinceBest >= settings.patience()) {
        LOG.info(
            "{}: no better validation NDCG@10 for {} epochs, stopping; best epoch {}",
            model,
            sinceBest,
            bestEpoch);
        break;
      }
    }
    int epochsRun = Math.min(epoch, settings.maxEpochs());
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = startCpu < 0 ? Double.NaN : (threadCpuNanos() - startCpu) / 1e9;
    return new Result(
        best,
        new TrainingSummary(
            epochsRun, bestEpoch, bestNdcg, seconds, cpuSeconds, targets, history, losses));
  }

  /**
   * One epoch's batches, bucketed by length: samples are shuffled, stably sorted by length (so
   * equal lengths stay in random order), cut into batches and the batches shuffled. Most histories
   * are short (mean about 5 on Scientific) and a random batch would be padded to its longest
   * member, nearly 50, wasting most of the work.
   */
  static <S> List<List<S>> batches(
      List<S> samples, ToIntFunction<S> length, int batchSize, Random shuffle) {
    List<S> order = new ArrayList<>(samples);
    Collections.shuffle(order, shuffle);
    order.sort(Comparator.comparingInt(length));
    List<List<S>> batches = new ArrayList<>();
    for (int from = 0; from < order.size(); from += batchSize) {
      batches.add(order.subList(from, Math.min(order.size(), from + batchSize)));
    }
    Collections.shuffle(batches, shuffle);
    return batches;
  }

  /** Validation NDCG@10 under original ties with history kept, ranked on the engine. */
  static double validationNdcg(
      NextItemNetwork<?> net, NDManager root, int evalBatchSize, List<IndexedExample> validation) {
    Integer[] order = lengthOrder(validation.stream().map(IndexedExample::historyView).toList());
    double sum = 0;
    for (int from = 0; from < order.length; from += evalBatchSize) {
      int to = Math.min(order.length, from + evalBatchSize);
      List<int[]> chunk = new ArrayList<>(to - from);
      long[] targets = new long[to - from];
      for (int k = from; k < to; k++) {
        IndexedExample e = validation.get(order[k]);
        chunk.add(e.historyView());
        targets[k - from] = e.target();
      }
      try (NDManager batch = root.newSubManager()) {
        NDArray scores = net.scores(batch, chunk);
        NDArray target = scores.gather(batch.create(targets).reshape(to - from, 1), 1);
        long[] greater =
            scores
                .gt(target)
                .toType(DataType.INT32, false)
                .sum(new int[] {1})
                .toType(DataType.INT64, false)
                .toLongArray();
        for (long g : greater) {
          sum += g < 10 ? 1.0 / (Math.log(g + 2.0) / Math.log(2.0)) : 0;
        }
      }
    }
    return sum / validation.size();
  }

  /**
   * Scores histories in length-sorted chunks of {@code evalBatchSize} (little padding) and returns
   * the rows in the input order.
   */
  static float[][] score(
      NextItemNetwork<?> net, NDManager root, int evalBatchSize, List<int[]> histories) {
    int items = net.itemCount();
    for (int[] h : histories) {
      if (h.length == 0) {
        throw new IllegalArgumentException("cannot score an empty history");
      }
      for (int item : h) {
        if (item < 0 || item >= items) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "history item index %d is out of range: must be in [0, %d)",
                  item,
                  items));
        }
      }
    }
    Integer[] order = lengthOrder(histories);
    float[][] rows = new float[histories.size()][];
    for (int from = 0; from < order.length; from += evalBatchSize) {
      int to = Math.min(order.length, from + evalBatchSize);
      List<int[]> chunk = new ArrayList<>(to - from);
      for (int k = from; k < to; k++) {
        chunk.add(histories.get(order[k]));
      }
      try (NDManager batch = root.newSubManager()) {
        float[] flat = net.scores(batch, chunk).toFloatArray();
        for (int k = from; k < to; k++) {
          int r = k - from;
          rows[order[k]] = Arrays.copyOfRange(flat, r * items, (r + 1) * items);
        }
      }
    }
    return rows;
  }

  private static Integer[] lengthOrder(List<int[]> histories) {
    Integer[] order = new Integer[histories.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> histories.get(i).length));
    return order;
  }
}
