package io.recformer.train.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.RecformerConfig;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.run.DataParallel;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Copy cost of data parallelism on this machine (not a test): the time per MB of one device copy of
 * a flat float32 buffer (what {@link DataParallel} moves per replica and direction) and of a whole
 * {@link DataParallel#broadcastWeights()} of the MiniLM-sized model over {@code cpu,cpu}
 * (concatenate, copy, split, write in place). On a CPU the "devices" share memory, so this is the
 * memory-bandwidth floor of the bookkeeping around a transfer; docs/gpu.md turns link bandwidths
 * into the fraction of a step spent communicating.
 *
 * <p>Usage: {@code CommunicationBenchmark [megabytes] [repeats]} (defaults 256 and 7); medians.
 */
public final class CommunicationBenchmark {

  private CommunicationBenchmark() {}

  public static void main(String[] args) {
    int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray buffer = m.ones(new Shape(megabytes * 262_144L));
      double[] copy = new double[repeats];
      for (int i = -2; i < repeats; i++) {
        long t0 = System.nanoTime();
        NDArray c = buffer.toDevice(Device.cpu(), true);
        c.close();
        if (i >= 0) {
          copy[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      double copyMs = median(copy);
      System.out.printf(
          Locale.ROOT,
          "flat copy: %d MB in %.2f ms = %.3f ms/MB (%.1f GB/s)%n",
          megabytes,
          copyMs,
          copyMs / megabytes,
          megabytes / 1024.0 / (copyMs / 1000));

      RecformerConfig config = RecformerConfig.miniLmL6();
      try (RecformerModel primary = RecformerModel.newInstance(m, config, 1);
          DataParallel two = DataParallel.of(primary, List.of(Device.cpu(), Device.cpu()), 1)) {
        long params = 0;
        for (long[] shape : primary.parameterShapes().values()) {
          params += Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
        double mb = params * 4 / 1e6 / 1.048576;
        double[] broadcast = new double[repeats];
        for (int i = -2; i < repeats; i++) {
          long t0 = System.nanoTime();
          two.broadcastWeights();
          if (i >= 0) {
            broadcast[i] = (System.nanoTime() - t0) / 1e6;
          }
        }
        double ms = median(broadcast);
        System.out.printf(
            Locale.ROOT,
            "broadcastWeights, MiniLM-L6 size (%d parameters, %.1f MB) to 1 replica: %.2f ms"
                + " = %.3f ms/MB%n",
            params,
            mb,
            ms,
            ms / mb);
      }
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }
}
