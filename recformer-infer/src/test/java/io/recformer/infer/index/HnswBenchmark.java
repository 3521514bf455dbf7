package io.recformer.infer.index;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * HNSW against the exact scan on clustered synthetic vectors ({@link ClusteredVectors}): build
 * time, heap, save and open time, and per efSearch the Recall@10 against the exact top 10 and the
 * single-query throughput next to the exact scan's (docs/benchmarks.md, "HNSW index"). Run with
 * {@code --add-modules jdk.incubator.vector} so that both use the Vector API kernel.
 *
 * <pre>
 * HnswBenchmark --items 100000 --dim 384 --queries 200 --m 16 --beam 100 --ef 50,100,200,400
 *     --file /tmp/hnsw-bench.rfhnsw
 * </pre>
 */
final class HnswBenchmark {

  private HnswBenchmark() {}

  public static void main(String[] args) throws IOException {
    int items = 100_000;
    int dim = 384;
    int queryCount = 200;
    int m = 16;
    int beam = 100;
    int[] efs = {50, 100, 200, 400};
    Path file = Path.of("/tmp/hnsw-bench.rfhnsw");
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--items" -> items = Integer.parseInt(args[i + 1]);
        case "--dim" -> dim = Integer.parseInt(args[i + 1]);
        case "--queries" -> queryCount = Integer.parseInt(args[i + 1]);
        case "--m" -> m = Integer.parseInt(args[i + 1]);
        case "--beam" -> beam = Integer.parseInt(args[i + 1]);
        case "--ef" ->
            efs = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--file" -> file = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    print(
        "items %,d x %d, %d queries, M %d, beamWidth %d, kernel %s, %d cores, max heap %d MB",
        items,
        dim,
        queryCount,
        m,
        beam,
        Kernel.ACTIVE.name(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    ClusteredVectors data = new ClusteredVectors(Math.max(10, items / 100), dim, 1.0, 42L);
    float[] flat = new float[items * dim];
    for (int r = 0; r < items; r++) {
      System.arraycopy(data.next(), 0, flat, r * dim, dim);
    }
    float[][] queries = data.next(queryCount);
    List<String> ids = ClusteredVectors.ids("i", items);
    ExactItemIndex exact = ExactItemIndex.adopt(ids, flat, dim, "bench");
    long heapBefore = usedHeap();

    long start = System.nanoTime();
    HnswItemIndex hnsw = HnswItemIndex.build(exact, new HnswParameters(m, beam, 100, 42L));
    double buildSeconds = (System.nanoTime() - start) / 1e9;
    long heapAfter = usedHeap();
    print(
        "build: %.1f s (%,.0f items/s); heap used %d MB before (exact index + data), %d MB"
            + " after (+%d MB for the HNSW vectors and graph)",
        buildSeconds,
        items / buildSeconds,
        heapBefore >> 20,
        heapAfter >> 20,
        (heapAfter - heapBefore) >> 20);

    start = System.nanoTime();
    hnsw.save(file);
    print("save: %.1f s, %d MB", (System.nanoTime() - start) / 1e9, Files.size(file) >> 20);
    start = System.nanoTime();
    HnswItemIndex opened = HnswItemIndex.open(file);
    print(
        "open (read + verify + rebuild the on-heap graph): %.1f s",
        (System.nanoTime() - start) / 1e9);

    List<List<String>> truth = new ArrayList<>();
    QueryOptions oneThread = QueryOptions.DEFAULTS.withThreads(1);
    for (float[] q : queries) {
      truth.add(exact.topK(q, 10, oneThread).stream().map(ScoredItem::itemId).toList());
    }
    double exactQps1 = throughput(exact, queries, oneThread);
    double exactQpsAll = throughput(exact, queries, QueryOptions.DEFAULTS);
    print(
        "exact scan: %.1f queries/s on 1 thread, %.1f queries/s with all cores",
        exactQps1, exactQpsAll);
    print("| efSearch | Recall@10 | queries/s (1 thread) | x exact (1 thread) |");
    print("|---|---|---|---|");
    for (int ef : efs) {
      HnswItemIndex tuned = opened.withEfSearch(ef);
      double recall = 0;
      for (int q = 0; q < queries.length; q++) {
        List<String> expected = truth.get(q);
        recall +=
            tuned.topK(queries[q], 10).stream()
                    .map(ScoredItem::itemId)
                    .filter(expected::contains)
                    .count()
                / 10.0;
      }
      recall /= queries.length;
      double qps = throughput(tuned, queries, oneThread);
      print("| %d | %.4f | %.0f | %.1f |", ef, recall, qps, qps / exactQps1);
    }
    Files.deleteIfExists(file);
  }

  /** Queries per second of single queries, one after another, after one warm-up pass. */
  private static double throughput(ItemIndex index, float[][] queries, QueryOptions options) {
    int passes = index instanceof ExactItemIndex ? 0 : 2;
    int warm = Math.min(queries.length, index instanceof ExactItemIndex ? 10 : queries.length);
    for (int i = 0; i < warm; i++) {
      index.topK(queries[i], 10, options);
    }
    int limit = index instanceof ExactItemIndex ? Math.min(queries.length, 50) : queries.length;
    long start = System.nanoTime();
    int done = 0;
    for (int p = 0; p <= passes; p++) {
      for (int i = 0; i < limit; i++) {
        index.topK(queries[i], 10, options);
        done++;
      }
    }
    return done / ((System.nanoTime() - start) / 1e9);
  }

  private static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void print(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }
}
