package io.recformer.bench.jmh;

import io.recformer.infer.index.ExactItemIndex;
import io.recformer.infer.index.QueryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exact top-10 by cosine over {@code items} random unit vectors of {@code dim} dimensions in the
 * heap ({@link ExactItemIndex}): one query, and a batch of 16 queries in one scan. Vectors are
 * uniform in [-1, 1) from seed 42, normalized, as the stand-alone {@code IndexBenchmark} in
 * recformer-infer's tests (which also measures memory bandwidth, mapped files and open time). The
 * fork gets 4 GB of heap and the Vector API module, so the vector kernel is the one measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class TopKBenchmark {

  @Param({"100000", "1000000"})
  public int items;

  @Param({"384"})
  public int dim;

  @Param({"1"})
  public int threads;

  ExactItemIndex index;
  float[][] queries;
  QueryOptions options;
  int next;

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    float[] flat = new float[Math.multiplyExact(items, dim)];
    for (int r = 0; r < items; r++) {
      double norm = 0;
      for (int c = 0; c < dim; c++) {
        float v = (float) (random.nextDouble() * 2 - 1);
        flat[r * dim + c] = v;
        norm += (double) v * v;
      }
      float scale = (float) (1 / Math.sqrt(norm));
      for (int c = 0; c < dim; c++) {
        flat[r * dim + c] *= scale;
      }
    }
    List<String> ids = new ArrayList<>(items);
    for (int r = 0; r < items; r++) {
      ids.add("item-" + r);
    }
    index = ExactItemIndex.build(ids, flat, dim, "jmh-seed-42");
    SplittableRandom q = new SplittableRandom(43);
    queries = new float[64][dim];
    for (float[] query : queries) {
      for (int c = 0; c < dim; c++) {
        query[c] = (float) (q.nextDouble() * 2 - 1);
      }
    }
    options = QueryOptions.DEFAULTS.withThreads(threads);
  }

  /** Milliseconds per single query, k = 10. */
  @Benchmark
  public Object singleQuery() {
    float[] query = queries[next];
    next = (next + 1) % queries.length;
    return index.topK(query, 10, options);
  }

  /** Milliseconds per batch of 16 queries answered by one scan (divide by 16 per query). */
  @Benchmark
  public Object batchOf16() {
    float[][] batch = new float[16][];
    for (int i = 0; i < 16; i++) {
      batch[i] = queries[(next + i) % queries.length];
    }
    next = (next + 16) % queries.length;
    return index.topK(batch, 10, options);
  }
}
