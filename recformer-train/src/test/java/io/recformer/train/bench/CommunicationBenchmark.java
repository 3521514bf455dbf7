package io.recformer.train.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.recformer.core.config.RecformerConfig;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.run.DataParallel;
import java.util.ArrayList;
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
        NDArray c = buffer.duplicate(); // toDevice to the same device would return buffer itself
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
        // Where the time goes: the concatenation, and the in-place writes into the parameters.
        List<NDArray> weights = new ArrayList<>();
        for (String name : primary.parameterShapes().keySet()) {
          weights.add(two.replica(1).parameter(name).getArray());
        }
        double[] concat = new double[repeats];
        double[] writes = new double[repeats];
        for (int i = 0; i < repeats; i++) {
          try (NDManager scope = m.newSubManager()) {
            long t0 = System.nanoTime();
            NDList flat = new NDList();
            for (NDArray w : weights) {
              NDArray f = w.reshape(-1);
              f.attach(scope);
              flat.add(f);
            }
            NDArray all = NDArrays.concat(flat);
            all.attach(scope);
            long t1 = System.nanoTime();
            for (NDArray w : weights) {
              w.set(new NDIndex(":"), w.duplicate());
            }
            long t2 = System.nanoTime();
            concat[i] = (t1 - t0) / 1e6;
            writes[i] = (t2 - t1) / 1e6;
          }
        }
        System.out.printf(
            Locale.ROOT,
            "  of which: concatenate %.2f ms, %d in-place writes (duplicate + set) %.2f ms%n",
            median(concat),
            weights.size(),
            median(writes));
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
