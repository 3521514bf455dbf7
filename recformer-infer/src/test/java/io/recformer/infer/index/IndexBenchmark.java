package io.recformer.infer.index;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntToDoubleFunction;

/**
 * Stand-alone benchmark of the exact item index (to be moved to JMH in recformer-bench): memory
 * bandwidth of this machine, single-query latency against the bandwidth floor, batched throughput,
 * and the open time of a saved index. Run with {@code -Xmx4g}:
 *
 * <pre>
 * mvn -B -o -q -pl recformer-infer -am test-compile
 * mvn -B -o -q -pl recformer-infer dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx4g -cp recformer-infer/target/test-classes:recformer-infer/target/classes:$(cat /tmp/cp.txt) \
 *     io.recformer.infer.index.IndexBenchmark --items 1000000 --dim 384 --file /tmp/items.rfidx
 * </pre>
 */
public final class IndexBenchmark {

  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private IndexBenchmark() {}

  public static void main(String[] args) throws Exception {
    int items = 1_000_000;
    int dim = 384;
    long seed = 42;
    int queries = 50;
    int k = 10;
    Path file = Paths.get(System.getProperty("java.io.tmpdir"), "recformer-index-benchmark.rfidx");
    int[] batchSizes = {16, 64, 256};
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--items" -> items = Integer.parseInt(args[i + 1]);
        case "--dim" -> dim = Integer.parseInt(args[i + 1]);
        case "--seed" -> seed = Long.parseLong(args[i + 1]);
        case "--queries" -> queries = Integer.parseInt(args[i + 1]);
        case "--file" -> file = Paths.get(args[i + 1]);
        case "--batches" ->
            batchSizes =
                Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    int cores = Runtime.getRuntime().availableProcessors();
    long matrixBytes = (long) items * dim * Float.BYTES;
    say(
        "items %d x dim %d = %.2f GB of float32, seed %d, k %d, cores %d, JVM %s %s, max heap %d"
            + " MB, load %s",
        items,
        dim,
        matrixBytes / 1e9,
        seed,
        k,
        cores,
        System.getProperty("java.vm.name"),
        System.getProperty("java.vm.version"),
        Runtime.getRuntime().maxMemory() >> 20,
        loadAverage());

    long t0 = System.nanoTime();
    float[] flat = randomMatrix(items, dim, seed);
    List<String> ids = syntheticIds(items);
    ExactItemIndex heapIndex = ExactItemIndex.adopt(ids, flat, dim, "benchmark-seed-" + seed);
    say("built heap index in %.1f s", (System.nanoTime() - t0) / 1e9);

    double[] bandwidth = new double[3];
    for (int threads = 1; threads <= 2; threads++) {
      final int t = threads;
      double best = bestOf(5, () -> streamingSum(flat, t));
      bandwidth[threads] = flat.length * 4.0 / best;
      say(
          "bandwidth, float[] streaming sum (scalar), %d thread(s): best of 5 = %.2f GB/s (%.1f ms"
              + " per pass)",
          threads, bandwidth[threads] / 1e9, best * 1e3);
      if (Kernel.vectorModulePresent()) {
        // A scalar sum can be bound by additions rather than memory; the vector sum is not.
        double bestVector =
            bestOf(
                5,
                () ->
                    parallel(
                        t,
                        part ->
                            VectorSum.sum(
                                flat,
                                (int) ((long) flat.length * part / t),
                                (int) ((long) flat.length * (part + 1) / t))));
        say(
            "bandwidth, float[] streaming sum (Vector API), %d thread(s): best of 5 = %.2f GB/s"
                + " (%.1f ms per pass)",
            threads, flat.length * 4.0 / bestVector / 1e9, bestVector * 1e3);
        bandwidth[threads] = Math.max(bandwidth[threads], flat.length * 4.0 / bestVector);
      }
    }

    float[][] testQueries = randomQueries(queries, dim, seed + 1);
    say("kernel: %s", heapIndex.kernel().name());
    report("heap", heapIndex, testQueries, k, matrixBytes, bandwidth, batchSizes);

    t0 = System.nanoTime();
    heapIndex.save(file);
    say(
        "saved %s (%.2f GB) in %.1f s",
        file, Files.size(file) / 1e9, (System.nanoTime() - t0) / 1e9);

    double[] mappedBandwidth = new double[3];
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long vectorsOffset =
          IndexFile.align(
              IndexFile.FIXED_HEADER
                  + heapIndex.fingerprint().getBytes(StandardCharsets.UTF_8).length);
      long length = Math.min(matrixBytes, Integer.MAX_VALUE & ~7L);
      MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, vectorsOffset, length);
      LongBuffer longs = mapped.order(ByteOrder.nativeOrder()).asLongBuffer();
      for (int threads = 1; threads <= 2; threads++) {
        final int t = threads;
        double best = bestOf(5, () -> streamingSum(longs, t));
        mappedBandwidth[threads] = longs.capacity() * 8.0 / best;
        say(
            "bandwidth, mapped file streaming long sum, %d thread(s): best of 5 = %.2f GB/s",
            threads, mappedBandwidth[threads] / 1e9);
      }
    }

    for (boolean verify : new boolean[] {false, true}) {
      for (int rep = 0; rep < 3; rep++) {
        t0 = System.nanoTime();
        long cpu0 = CPU.getCurrentThreadCpuTime();
        ExactItemIndex opened =
            ExactItemIndex.open(
                file,
                OpenOptions.DEFAULTS
                    .withExpectedFingerprint(heapIndex.fingerprint())
                    .withVerify(verify));
        say(
            "open (mmap, vector checksum %s, page cache warm) #%d: %.1f ms wall, %.1f ms CPU, %s",
            verify ? "verified" : "skipped",
            rep + 1,
            (System.nanoTime() - t0) / 1e6,
            (CPU.getCurrentThreadCpuTime() - cpu0) / 1e6,
            opened);
      }
    }
    ExactItemIndex mappedIndex = ExactItemIndex.open(file, OpenOptions.DEFAULTS.withVerify(false));
    double[] best = new double[3];
    for (int t = 1; t <= 2; t++) {
      best[t] = Math.max(bandwidth[t], mappedBandwidth[t]);
    }
    report("mapped", mappedIndex, testQueries, k, matrixBytes, best, new int[] {batchSizes[0]});
    mappedIndex = null;
    t0 = System.nanoTime();
    long cpu0 = CPU.getCurrentThreadCpuTime();
    ExactItemIndex readIndex =
        ExactItemIndex.open(file, OpenOptions.DEFAULTS.withVerify(false).withVectorsInHeap(true));
    say(
        "open (vectors read into the heap, vector checksum skipped, page cache warm): %.1f ms wall,"
            + " %.1f ms CPU",
        (System.nanoTime() - t0) / 1e6, (CPU.getCurrentThreadCpuTime() - cpu0) / 1e6);
    report(
        "file read into heap",
        readIndex,
        testQueries,
        k,
        matrixBytes,
        bandwidth,
        new int[] {batchSizes[0]});
    readIndex = null;
    say("load at end %s", loadAverage());
    if (!"false".equals(System.getProperty("compareKernels"))) {
      ExactItemIndex scalar = heapIndex.withKernel(new ScalarKernel());
      report(
          "heap/scalar-kernel",
          scalar,
          testQueries,
          k,
          matrixBytes,
          bandwidth,
          new int[] {batchSizes[0]});
    }
  }

  private static void report(
      String name,
      ExactItemIndex index,
      float[][] queries,
      int k,
      long matrixBytes,
      double[] bandwidth,
      int[] batchSizes) {
    for (int threads = 1; threads <= 2; threads++) {
      QueryOptions options = QueryOptions.DEFAULTS.withThreads(threads);
      for (int i = 0; i < 5; i++) {
        index.topK(queries[i], k, options); // warm-up
      }
      double[] ms = new double[queries.length];
      double[] cpuMs = new double[queries.length];
      for (int q = 0; q < queries.length; q++) {
        long cpu0 = CPU.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        index.topK(queries[q], k, options);
        ms[q] = (System.nanoTime() - t0) / 1e6;
        cpuMs[q] = (CPU.getCurrentThreadCpuTime() - cpu0) / 1e6;
      }
      Arrays.sort(ms);
      Arrays.sort(cpuMs);
      double floor = matrixBytes / bandwidth[threads] * 1e3;
      double p50 = percentile(ms, 0.50);
      say(
          "%s single query, %d thread(s): p50 %.1f ms, p99 %.1f ms, min %.1f ms (%.0f q/s); floor"
              + " %.1f ms at %.2f GB/s -> p50 = %.2fx floor, effective %.2f GB/s",
          name,
          threads,
          p50,
          percentile(ms, 0.99),
          ms[0],
          1e3 / p50,
          floor,
          bandwidth[threads] / 1e9,
          p50 / floor,
          matrixBytes / p50 / 1e6);
      if (threads == 1) {
        say(
            "%s single query, 1 thread: CPU time of the scanning thread p50 %.1f ms (= %.2fx"
                + " floor)",
            name, percentile(cpuMs, 0.5), percentile(cpuMs, 0.5) / floor);
      }
    }
    for (int batch : batchSizes) {
      for (int threads = 2; threads >= 1; threads--) {
        float[][] block = randomQueries(batch, index.dimension(), 1000 + batch);
        QueryOptions options = QueryOptions.DEFAULTS.withThreads(threads);
        index.topK(Arrays.copyOf(block, Math.min(batch, 4)), k, options); // warm-up
        double bestSeconds = Double.MAX_VALUE;
        int reps = batch >= 256 ? 1 : 2;
        for (int rep = 0; rep < reps; rep++) {
          long t0 = System.nanoTime();
          index.topK(block, k, options);
          bestSeconds = Math.min(bestSeconds, (System.nanoTime() - t0) / 1e9);
        }
        say(
            "%s batch %d, %d thread(s): %.1f ms per batch, %.2f ms per query, %.1f queries/s",
            name,
            batch,
            threads,
            bestSeconds * 1e3,
            bestSeconds * 1e3 / batch,
            batch / bestSeconds);
      }
    }
  }

  private static double percentile(double[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** Uniform in [-1, 1) per component, generated in parallel chunks with derived seeds. */
  private static float[] randomMatrix(int items, int dim, long seed) throws Exception {
    float[] flat = new float[Math.multiplyExact(items, dim)];
    int chunks = 64;
    ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    try {
      Future<?>[] futures = new Future<?>[chunks];
      for (int c = 0; c < chunks; c++) {
        final int chunk = c;
        futures[c] =
            pool.submit(
                () -> {
                  SplittableRandom random = new SplittableRandom(seed * 1_000_003L + chunk);
                  int from = (int) ((long) items * chunk / chunks) * dim;
                  int to = (int) ((long) items * (chunk + 1) / chunks) * dim;
                  for (int i = from; i < to; i++) {
                    flat[i] = (float) (random.nextDouble() * 2 - 1);
                  }
                });
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return flat;
  }

  private static float[][] randomQueries(int count, int dim, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[][] out = new float[count][dim];
    for (float[] q : out) {
      for (int i = 0; i < dim; i++) {
        q[i] = (float) (random.nextDouble() * 2 - 1);
      }
    }
    return out;
  }

  /** Ids built on demand: a million strings would otherwise be built twice (list and index). */
  private static List<String> syntheticIds(int n) {
    return new AbstractList<>() {
      @Override
      public String get(int index) {
        return "item-" + index;
      }

      @Override
      public int size() {
        return n;
      }
    };
  }

  private interface Pass {
    double run() throws Exception;
  }

  private static double bestOf(int passes, Pass pass) throws Exception {
    double best = Double.MAX_VALUE;
    double checksum = 0; // every pass's result is used, so no pass can be optimised away
    for (int i = 0; i < passes; i++) {
      long t0 = System.nanoTime();
      checksum += pass.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    if (Double.isNaN(checksum)) {
      throw new IllegalStateException("a benchmark pass returned NaN");
    }
    return best;
  }

  private static double streamingSum(float[] data, int threads) throws Exception {
    return parallel(
        threads,
        t -> {
          int from = (int) ((long) data.length * t / threads);
          int to = (int) ((long) data.length * (t + 1) / threads);
          float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
          int i = from;
          for (; i + 8 <= to; i += 8) {
            s0 += data[i];
            s1 += data[i + 1];
            s2 += data[i + 2];
            s3 += data[i + 3];
            s4 += data[i + 4];
            s5 += data[i + 5];
            s6 += data[i + 6];
            s7 += data[i + 7];
          }
          for (; i < to; i++) {
            s0 += data[i];
          }
          return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
        });
  }

  private static double streamingSum(LongBuffer data, int threads) throws Exception {
    return parallel(
        threads,
        t -> {
          int from = (int) ((long) data.capacity() * t / threads);
          int to = (int) ((long) data.capacity() * (t + 1) / threads);
          long s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          int i = from;
          for (; i + 4 <= to; i += 4) {
            s0 += data.get(i);
            s1 += data.get(i + 1);
            s2 += data.get(i + 2);
            s3 += data.get(i + 3);
          }
          for (; i < to; i++) {
            s0 += data.get(i);
          }
          return s0 + s1 + s2 + s3;
        });
  }

  private static double parallel(int threads, IntToDoubleFunction part) throws Exception {
    if (threads == 1) {
      return part.applyAsDouble(0);
    }
    Thread[] workers = new Thread[threads];
    double[] results = new double[threads];
    for (int t = 0; t < threads; t++) {
      final int index = t;
      workers[t] = new Thread(() -> results[index] = part.applyAsDouble(index));
      workers[t].start();
    }
    double sum = 0;
    for (int t = 0; t < threads; t++) {
      workers[t].join();
      sum += results[t];
    }
    return sum;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Paths.get("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void say(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
