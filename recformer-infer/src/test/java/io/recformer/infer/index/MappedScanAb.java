package io.recformer.infer.index;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 *   <li>the same bytes in direct buffers the process allocated, read in place by the buffer kernel,
 *       with rows at 64-byte aligned addresses and 16 bytes past them.
 * </ul>
 *
 * <pre>
 * java -Xmx6g --add-modules jdk.incubator.vector -cp ... io.recformer.infer.index.MappedScanAb FILE.rfidx 25
 * </pre>
 */
public final class MappedScanAb {

  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

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
    void dot4(
        float[] q0, float[] q1, float[] q2, float[] q3, float[] a, int off, int dim, float[] out) {
      inner.dot4(q0, q1, q2, q3, a, off, dim, out);
    }
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    OpenOptions options = OpenOptions.DEFAULTS.withVerify(false);
    long t0 = System.nanoTime();
    ExactItemIndex heap = ExactItemIndex.open(file, options.withVectorsInHeap(true));
    System.out.printf(
        Locale.ROOT, "opened into the heap in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
    ExactItemIndex mapped = ExactItemIndex.open(file, options);
    int items = mapped.size();
    int dim = mapped.dimension();
    // Two direct buffers with the same bytes: rows at 64-byte aligned addresses (like the mapping,
    // whose vector section is aligned) and 16 bytes past that (like a float[]'s elements).
    int bytes = items * dim * Float.BYTES;
    ByteBuffer aligned =
        ByteBuffer.allocateDirect(bytes + 128)
            .alignedSlice(64)
            .slice(0, bytes)
            .order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer shifted =
        ByteBuffer.allocateDirect(bytes + 128)
            .alignedSlice(64)
            .slice(16, bytes)
            .order(ByteOrder.LITTLE_ENDIAN);
    for (int row = 0; row < items; row++) {
      float[] v = heap.vector(row);
      aligned.asFloatBuffer().put(row * dim, v);
      shifted.asFloatBuffer().put(row * dim, v);
    }
    String[] ids = new String[items];
    for (int i = 0; i < items; i++) {
      ids[i] = mapped.itemId(i);
    }
    IdTable idTable = IdTable.of(ids);
    ExactItemIndex alignedIndex =
        new ExactItemIndex(
            new VectorStore(dim, List.of(VectorStore.Segment.mapped(aligned, items))),
            idTable,
            mapped.fingerprint());
    ExactItemIndex shiftedIndex =
        new ExactItemIndex(
            new VectorStore(dim, List.of(VectorStore.Segment.mapped(shifted, items))),
            idTable,
            mapped.fingerprint());
    ExactItemIndex[] variants = {
      heap, mapped, mapped.withKernel(new CopyingKernel()), alignedIndex, shiftedIndex
    };
    String[] names = {
      "file read into heap",
      "mapped, in place",
      "mapped, tile copy",
      "direct, 64-byte aligned",
      "direct, aligned + 16 B"
    };
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
    System.out.printf(
        Locale.ROOT,
        "%d x %d, %d interleaved rounds, load %s%n",
        items,
        dim,
        rounds,
        Files.readString(Path.of("/proc/loadavg")).trim());
    for (int v = 0; v < variants.length; v++) {
      double[] c = cpu[v].clone();
      double[] w = wall[v].clone();
      Arrays.sort(c);
      Arrays.sort(w);
      System.out.printf(
          Locale.ROOT,
          "%-24s CPU p50 %6.1f min %6.1f ms; wall p50 %6.1f min %6.1f ms%n",
          names[v],
          c[rounds / 2],
          c[0],
          w[rounds / 2],
          w[0]);
    }
  }
}
