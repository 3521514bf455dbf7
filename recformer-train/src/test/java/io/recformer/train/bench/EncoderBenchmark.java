package io.recformer.train.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.sun.management.OperatingSystemMXBean;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.EncodedBatch;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.model.EncoderOutput;
import io.recformer.train.model.PyTorchThreads;
import io.recformer.train.model.RecformerModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Encoder speed on CPU (not a test): the machine's fp32 GEMM rate measured in DJL, then forward and
 * forward+backward of the MiniLM-sized encoder (6 x 384, 12 heads, FFN 1536, window 64) at 8 x 512
 * and 64 x 64 tokens with model-FLOPs utilization against that GEMM rate (the default {@link
 * AttentionMode#SLIDING_WINDOW}, so 8 x 512 runs the chunks and 64 x 64 the dense band), then the
 * chunked sliding window vs full attention at 512 and 1024 tokens. Prints a Markdown section for
 * docs/benchmarks.md.
 *
 * <p>Usage: {@code EncoderBenchmark [threads] [repeats]} (defaults 2 and 5). Timings are medians
 * after two warm-up runs, of wall-clock time and of process CPU time (the fair measure on a shared
 * machine: utilization per CPU-second compares like with like when other processes take cores).
 * Model FLOPs ({@link #forwardFlops}) count multiply-adds x 2 of the projections, the FFN and
 * attention over the w+1 band keys plus the global keys and rows; a training step counts 3x the
 * forward FLOPs (backward = 2x forward).
 */
public final class EncoderBenchmark {

  private EncoderBenchmark() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    System.setProperty(PyTorchThreads.INTRA_OP, Integer.toString(threads));
    System.setProperty(PyTorchThreads.INTER_OP, "1");
    PyTorchThreads.applyDefaults();
    StringBuilder md = new StringBuilder();
    String load = Files.readString(Path.of("/proc/loadavg")).trim();

    RecformerConfig config =
        RecformerConfig.miniLmL6().toBuilder().maxPositions(1026).maxTokens(1024).build();
    try (NDManager root = NDManager.newBaseManager()) {
      line(
          md,
          "Engine %s, intra-op threads %d, repeats %d (median), load average at start: %s",
          Engine.getInstance().getEngineName(),
          PyTorchThreads.intraOpThreads(),
          repeats,
          load);
      line(md, "");
      Time gemm = gemmRate(root, repeats);
      line(
          md,
          "fp32 GEMM rate (DJL matMul 1024 x 1024 x 1024): **%.1f GFLOP/s** wall-clock,"
              + " %.1f GFLOP per CPU-second",
          gemm.wall() / 1e9,
          gemm.cpu() / 1e9);
      line(md, "");
      line(
          md,
          "| workload | batch x tokens | wall (median) | CPU-s (median) | tokens/s | model GFLOP"
              + " | GFLOP/s | of GEMM rate (wall) | of GEMM rate (per CPU-s) |");
      line(md, "|---|---|---|---|---|---|---|---|---|");
      try (RecformerModel model = RecformerModel.newInstance(root, config, 1)) {
        model.freezeWordEmbeddings(
            true); // as the original pre-training; also skips a 30522 x 384 gradient
        for (int[] shape : new int[][] {{8, 512}, {64, 64}}) {
          EncodedBatch batch = batch(config, shape[0], shape[1]);
          double forwardFlops = forwardFlops(config, shape[0], shape[1], 1);
          Time fwd =
              measure(repeats, () -> forward(root, model, batch, AttentionMode.SLIDING_WINDOW));
          row(md, "forward (eval)", shape, fwd, forwardFlops, gemm);
          Time step = measure(repeats, () -> trainStep(root, model, batch));
          row(md, "forward + backward (train)", shape, step, 3 * forwardFlops, gemm);
        }
        line(md, "");
        line(
            md,
            "| attention | batch x tokens | sliding window wall / CPU-s | full (oracle) wall /"
                + " CPU-s | speed-up (wall / CPU) |");
        line(md, "|---|---|---|---|---|");
        for (int n : new int[] {512, 1024}) {
          int b = 4;
          EncodedBatch batch = batch(config, b, n);
          Time window = measure(repeats, () -> forward(root, model, batch, AttentionMode.CHUNKED));
          Time full =
              measure(repeats, () -> forward(root, model, batch, AttentionMode.FULL_ORACLE));
          line(
              md,
              "| forward, 6 layers | %d x %d | %.3f s / %.3f s | %.3f s / %.3f s | %.2fx / %.2fx |",
              b,
              n,
              window.wall(),
              window.cpu(),
              full.wall(),
              full.cpu(),
              full.wall() / window.wall(),
              full.cpu() / window.cpu());
        }
      }
    }
    line(md, "");
    line(md, "Load average at end: %s", Files.readString(Path.of("/proc/loadavg")).trim());
    System.out.print(md);
  }

  /** Best-of-repeats-style median of 1024^3 matmuls, after warm-up. */
  private static Time gemmRate(NDManager root, int repeats) {
    try (NDManager m = root.newSubManager()) {
      NDArray a = m.randomNormal(new Shape(1024, 1024));
      NDArray b = m.randomNormal(new Shape(1024, 1024));
      Time t =
          measure(
              Math.max(repeats, 5) * 2,
              () -> {
                try (NDManager scope = m.newSubManager()) {
                  NDArray x = a.duplicate();
                  x.attach(scope);
                  long start = System.nanoTime();
                  float v = x.matMul(b).getFloat(0, 0); // getFloat waits for the result
                  if (Float.isNaN(v)) {
                    throw new IllegalStateException("NaN");
                  }
                  return (System.nanoTime() - start) / 1e9;
                }
              });
      double flops = 2.0 * 1024 * 1024 * 1024;
      return new Time(flops / t.wall(), flops / t.cpu());
    }
  }

  private static double forward(
      NDManager root, RecformerModel model, EncodedBatch batch, AttentionMode mode) {
    try (NDManager m = root.newSubManager()) {
      long start = System.nanoTime();
      EncoderOutput out = model.encode(m, batch, false, mode);
      out.pooled().toFloatArray();
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static double trainStep(NDManager root, RecformerModel model, EncodedBatch batch) {
    try (NDManager m = root.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      long start = System.nanoTime();
      EncoderOutput out = model.encode(m, batch, true);
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

  /**
   * Forward FLOPs of the encoder for full-length rows with {@code globals} global tokens each: per
   * token q, k, v and output projections (4 d^2), FFN (2 d ffn) and attention over the band and
   * global keys (2 (keys) d); per global token its query projection, the key and value weights
   * moved onto the query (3 d^2) and attention over all tokens (2 n d). Hugging Face's formulation
   * also projects every token with key_global and value_global (2 d^2 more per token, about 14% at
   * MiniLM size); that work is not needed (see LongformerSelfAttention) and not counted.
   */
  static double forwardFlops(RecformerConfig c, int batch, int tokens, int globals) {
    double d = c.hiddenSize();
    double perToken = 4 * d * d + 2 * d * c.intermediateSize();
    int keys = Math.min(tokens, c.attentionWindow() + 1) + globals;
    perToken += 2.0 * keys * d;
    double globalRows = globals * (3 * d * d + 2.0 * tokens * d);
    return 2.0 * c.numLayers() * batch * (tokens * perToken + globalRows);
  }

  static EncodedBatch batch(RecformerConfig config, int b, int n) {
    Random random = new Random(42);
    int size = b * n;
    int[] ids = new int[size];
    int[] types = new int[size];
    int[] positions = new int[size];
    int[] items = new int[size];
    int[] attention = new int[size];
    int[] global = new int[size];
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < n; i++) {
        int at = r * n + i;
        ids[at] = i == 0 ? 101 : 1000 + random.nextInt(config.vocabSize() - 1000);
        types[at] = i == 0 ? RecformerConfig.TYPE_CLS : 1 + random.nextInt(2);
        positions[at] = config.positionOffset() + i;
        items[at] = i == 0 ? 0 : 1 + Math.min(config.maxItems() - 1, i / 24);
        attention[at] = 1;
        global[at] = i == 0 ? 1 : 0;
      }
    }
    return new EncodedBatch(b, n, ids, types, positions, items, attention, global);
  }

  private interface Timed {
    double run();
  }

  /** Median wall seconds and median process CPU seconds of one run. */
  private record Time(double wall, double cpu) {}

  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /**
   * Two warm-up runs, then the medians. The process CPU time is recorded too: on a shared machine
   * wall time includes waiting for a core, CPU time does not.
   */
  private static Time measure(int repeats, Timed timed) {
    timed.run();
    timed.run();
    double[] wall = new double[repeats];
    double[] cpu = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long cpu0 = OS.getProcessCpuTime();
      wall[i] = timed.run();
      cpu[i] = (OS.getProcessCpuTime() - cpu0) / 1e9;
    }
    return new Time(median(wall), median(cpu));
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static void row(
      StringBuilder md, String what, int[] shape, Time t, double flops, Time gemm) {
    line(
        md,
        "| %s | %d x %d | %.3f s | %.3f s | %.0f | %.1f | %.1f | %.0f%% | %.0f%% |",
        what,
        shape[0],
        shape[1],
        t.wall(),
        t.cpu(),
        shape[0] * shape[1] / t.wall(),
        flops / 1e9,
        flops / t.wall() / 1e9,
        100 * flops / t.wall() / gemm.wall(),
        100 * (flops / t.cpu()) / gemm.cpu());
  }

  private static void line(StringBuilder md, String format, Object... args) {
    md.append(String.format(Locale.ROOT, format, args)).append('\n');
    System.err.println(String.format(Locale.ROOT, format, args));
  }
}
