package io.recformer.train.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.PyTorchThreads;
import io.recformer.train.model.RecformerModel;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where the dense band attention stops paying (not a test): the MiniLM-sized encoder (window 64,
 * chunks of 32) at a fixed number of tokens per batch and growing sequence length, forward and
 * forward+backward, {@link AttentionMode#CHUNKED} against {@link AttentionMode#DENSE_BAND}. The two
 * are run alternately (A, B, A, B, ...) so that load from other processes hits both alike; the
 * ratio of their medians is what to read on a busy machine. The rule in {@link
 * AttentionMode#SLIDING_WINDOW} comes from this table.
 *
 * <p>Usage: {@code AttentionCrossover [threads] [repeats] [tokensPerBatch] [lengths...]} (defaults
 * 2, 5, 2048 and 64 128 192 256 320 384 512).
 */
public final class AttentionCrossover {

  private AttentionCrossover() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
    int[] lengths =
        args.length > 3
            ? Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {64, 128, 192, 256, 320, 384, 512};
    System.setProperty(PyTorchThreads.INTRA_OP, Integer.toString(threads));
    System.setProperty(PyTorchThreads.INTER_OP, "1");
    PyTorchThreads.applyDefaults();
    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder().maxPositions(1026).maxTokens(1024).build();
    System.out.println(
        "| batch x tokens | chunks of w/2 | forward chunked / dense (s) | dense speed-up"
            + " | train step chunked / dense (s) | dense speed-up |");
    System.out.println("|---|---|---|---|---|---|");
    try (NDManager root = NDManager.newBaseManager();
        RecformerModel model = RecformerModel.newInstance(root, config, 1)) {
      model.freezeWordEmbeddings(true);
      for (int n : lengths) {
        int b = Math.max(1, tokens / n);
        EncodedBatch batch = EncoderBenchmark.batch(config, b, n);
        double[][] fwd =
            interleaved(
                repeats,
                () -> forward(root, model, batch, AttentionMode.CHUNKED),
                () -> forward(root, model, batch, AttentionMode.DENSE_BAND));
        double[][] train =
            interleaved(
                repeats,
                () -> trainStep(root, model, batch, AttentionMode.CHUNKED),
                () -> trainStep(root, model, batch, AttentionMode.DENSE_BAND));
        System.out.printf(
            Locale.ROOT,
            "| %d x %d | %d | %.3f / %.3f | %.2fx | %.3f / %.3f | %.2fx |%n",
            b,
            n,
            n / (config.attentionWindow() / 2),
            median(fwd[0]),
            median(fwd[1]),
            median(fwd[0]) / median(fwd[1]),
            median(train[0]),
            median(train[1]),
            median(train[0]) / median(train[1]));
      }
    }
  }

  /** One warm-up of each, then {@code repeats} rounds of A then B; wall seconds of each run. */
  static double[][] interleaved(int repeats, Timed a, Timed b) {
    a.run();
    b.run();
    double[][] out = new double[2][repeats];
    for (int i = 0; i < repeats; i++) {
      out[0][i] = a.run();
      out[1][i] = b.run();
    }
    return out;
  }

  /** A timed run, in wall seconds. */
  interface Timed {
    double run();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double forward(
      NDManager root, RecformerModel model, EncodedBatch batch, AttentionMode mode) {
    try (NDManager m = root.newSubManager()) {
      long start = System.nanoTime();
      model.encode(m, batch, false, mode).pooled().toFloatArray();
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static double trainStep(
      NDManager root, RecformerModel model, EncodedBatch batch, AttentionMode mode) {
    try (NDManager m = root.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      long start = System.nanoTime();
      EncoderOutput out = model.encode(m, batch, true, mode);
      NDArray loss = out.hiddenStates().mean().add(out.pooled().sum());
      collector.backward(loss);
      model
          .parameter("encoder.layer.0.attention.self.query.weight")
          .getArray()
          .getGradient()
          .getFloat(0, 0);
      return (System.nanoTime() - start) / 1e9;
    }
  }
}
