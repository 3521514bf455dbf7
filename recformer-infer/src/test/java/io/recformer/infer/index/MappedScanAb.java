package io.recformer.infer.index;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Diagnostic for the mapped-index anomaly (docs/benchmarks.md, "Item index"): one saved index file
 * held four ways and queried with single queries on one thread, the four variants interleaved query
 * by query (in rotating order) so that machine load hits them alike, reporting the CPU time of the
 * scanning thread. The variants separate the kernel from the memory it reads:
 *
 * <ul>
 *   <li>the file opened with {@code vectorsInHeap} (heap arrays, array kernel);
 *   <li>the file mapped, read in place by the buffer kernel (the default);
 *   <li>the file mapped, each tile copied to the heap first, then the array kernel;
 *   <li>the same bytes in a direct buffer the process allocated, read in place by the buffer kernel.
 * </ul>
 *
 * <pre>
 * java -Xmx6g --add-modules jdk.incubator.vector -cp ... io.recformer.infer.index.MappedScanAb FILE.rfidx 25
 * </pre>
 */
public final class MappedScanAb {

  private static final java.lang.management.ThreadMXBean CPU =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private MappedScanAb() {}

  /** The active kernel, but the scan copies mapped tiles to the heap before the dot products. */
  static final class CopyingKernel extends Kernel {
    private final Kernel inner = Kernel.ACTIVE;

    @Override
    String name() {
      return "copying " + inner.name();
    }

    @Override
    float dot(float[] q, float[] a, int off, int dim) {
      return inner.dot(q, a, off, dim);
    }

    @Override
    void dot4(float[] q0, float[] q1, float[] q2, float[] q3, float[] a, int off, int dim, float[] out) {
      inner.dot4(q0, q1, q2, q3, a, off, dim, out);
    }
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    ExactItemIndex.OpenOptions options = ExactItemIndex.OpenOptions.DEFAULTS.withVerifyVectorChecksum(false);
    long t0 = System.nanoTime();
    ExactItemIndex heap = ExactItemIndex.open(file, options.withVectorsInHeap(true));
    System.out.printf(Locale.ROOT, "opened into the heap in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
    ExactItemIndex mapped = ExactItemIndex.open(file, options);
    int items = mapped.size();
    int dim = mapped.dimension();
    ByteBuffer direct = ByteBuffer.allocateDirect(items * dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int row = 0; row < items; row++) {
      direct.asFloatBuffer().put(row * dim, heap.vector(row));
    }
    String[] ids = new String[items];
    for (int i = 0; i < items; i++) {
      ids[i] = mapped.itemId(i);
    }
    ExactItemIndex offHeap = new ExactItemIndex(
        new VectorStore(dim, List.of(VectorStore.Segment.mapped(direct, items))), IdTable.of(ids),
        mapped.fingerprint());
    ExactItemIndex[] variants = {heap, mapped, mapped.withKernel(new CopyingKernel()), offHeap};
    String[] names = {"file read into heap", "mapped, in place", "mapped, tile copy", "direct buffer, in place"};
    SplittableRandom random = new SplittableRandom(43);
    double[][] cpu = new double[variants.length][rounds];
    double[][] wall = new double[variants.length][rounds];
    QueryOptions single = QueryOptions.DEFAULTS.withThreads(1);
    for (int r = -3; r < rounds; r++) { // three warm-up rounds
      float[] q = new float[dim];
      for (int i = 0; i < dim; i++) {
        q[i] = (float) (random.nextDouble() * 2 - 1);
      }
      List<ScoredItem> first = null;
      for (int v = 0; v < variants.length; v++) {
        int which = Math.floorMod(v + r, variants.length);
        long c0 = CPU.getCurrentThreadCpuTime();
        long w0 = System.nanoTime();
        List<ScoredItem> top = variants[which].topK(q, 10, single);
        if (r >= 0) {
          wall[which][r] = (System.nanoTime() - w0) / 1e6;
          cpu[which][r] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        if (first == null) {
          first = top;
        } else if (!first.equals(top)) {
          throw new AssertionError(names[which] + " returned other results");
        }
      }
    }
    System.out.printf(Locale.ROOT, "%d x %d, %d interleaved rounds, load %s%n", items, dim, rounds,
        Files.readString(Path.of("/proc/loadavg")).trim());
    for (int v = 0; v < variants.length; v++) {
      double[] c = cpu[v].clone();
      double[] w = wall[v].clone();
      Arrays.sort(c);
      Arrays.sort(w);
      System.out.printf(Locale.ROOT, "%-24s CPU p50 %6.1f min %6.1f ms; wall p50 %6.1f min %6.1f ms%n", names[v],
          c[rounds / 2], c[0], w[rounds / 2], w[0]);
    }
  }
}
