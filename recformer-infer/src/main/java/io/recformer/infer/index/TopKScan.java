package io.recformer.infer.index;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * The exact top-K scan: rows are split into contiguous partitions, one per thread; each partition
 * keeps a bounded min-heap per query; the heaps are merged at the end.
 *
 * <p>Within a partition the scan is blocked: a tile of {@link #TILE_ROWS} item rows is fetched once
 * and every query of the batch (in blocks of {@link #QUERY_BLOCK}, four at a time) is multiplied
 * with it while it is in cache. A batch therefore reads the item matrix from memory once instead of
 * once per query, which is what makes batched queries cheaper than single ones when the single scan
 * is bound by memory bandwidth.
 */
final class TopKScan {

  /** Item rows per tile: 64 x 384 floats = 96 KB, small enough to stay in L2 while queries pass. */
  static final int TILE_ROWS = 64;

  /**
   * Below this many queries a mapped segment is read in place by kernels that can; from it on, each
   * tile is copied to the heap once and shared by all queries, which is cheaper than loading every
   * row from the buffer once per query group (measured 2.5x slower for 16 queries).
   */
  static final int DIRECT_QUERIES = 4;

  /**
   * Queries per block: 16 x 384 floats = 24 KB, small enough to stay in L1 next to one item row.
   */
  static final int QUERY_BLOCK = 16;

  /**
   * Work (floats) below which a partition is not split off when the caller lets the index choose
   * the thread count: handing a task to another thread costs tens of microseconds.
   */
  static final long MIN_FLOATS_PER_THREAD = 1L << 20;

  private static final Object POOL_LOCK = new Object();
  private static volatile ExecutorService sharedPool;

  private TopKScan() {}

  /** Decides which rows may be returned; built once per call, read by all partitions. */
  static final class Eligibility {
    final BitSet excluded;
    final IntPredicate rowFilter;
    final Predicate<String> idFilter;
    final IntFunction<String> ids;

    Eligibility(
        BitSet excluded,
        IntPredicate rowFilter,
        Predicate<String> idFilter,
        IntFunction<String> ids) {
      this.excluded = excluded;
      this.rowFilter = rowFilter;
      this.idFilter = idFilter;
      this.ids = ids;
    }

    boolean test(int row) {
      if (excluded != null && excluded.get(row)) {
        return false;
      }
      if (rowFilter != null && !rowFilter.test(row)) {
        return false;
      }
      return idFilter == null || idFilter.test(ids.apply(row));
    }
  }

  /** Number of partitions for a call: explicit counts are honoured, 0 means "choose". */
  static int partitions(int requestedThreads, int rows, int dimension) {
    if (rows <= 1) {
      return 1;
    }
    if (requestedThreads > 0) {
      return Math.min(requestedThreads, rows);
    }
    long work = (long) rows * dimension;
    long byWork = Math.max(1, work / MIN_FLOATS_PER_THREAD);
    return (int) Math.min(Runtime.getRuntime().availableProcessors(), Math.min(byWork, rows));
  }

  /**
   * The merged heaps of all partitions for each query, as {@link #sortKey} arrays sorted best first
   * and cut to {@code k}.
   */
  static List<long[]> topKeys(
      VectorStore store,
      float[][] queries,
      int k,
      Eligibility eligibility,
      int partitions,
      Executor executor,
      Kernel kernel) {
    int rows = store.size();
    int capacity = Math.min(k, rows);
    TopKHeap[][] perPartition = new TopKHeap[partitions][];
    if (partitions == 1) {
      perPartition[0] = scan(store, queries, capacity, 0, rows, eligibility, kernel);
    } else {
      List<FutureTask<TopKHeap[]>> tasks = new ArrayList<>(partitions - 1);
      for (int p = 1; p < partitions; p++) {
        int from = (int) ((long) rows * p / partitions);
        int to = (int) ((long) rows * (p + 1) / partitions);
        FutureTask<TopKHeap[]> task =
            new FutureTask<>(
                () ->
                    scan(
                        store,
                        queries,
                        Math.min(capacity, to - from),
                        from,
                        to,
                        eligibility,
                        kernel));
        tasks.add(task);
        Executor target = executor != null ? executor : sharedPool();
        try {
          target.execute(task);
        } catch (RejectedExecutionException e) {
          task.run();
        }
      }
      int firstEnd = (int) ((long) rows / partitions);
      perPartition[0] =
          scan(store, queries, Math.min(capacity, firstEnd), 0, firstEnd, eligibility, kernel);
      for (int p = 1; p < partitions; p++) {
        perPartition[p] = join(tasks.get(p - 1));
      }
    }
    List<long[]> merged = new ArrayList<>(queries.length);
    for (int q = 0; q < queries.length; q++) {
      merged.add(merge(perPartition, q, capacity));
    }
    return merged;
  }

  private static TopKHeap[] join(FutureTask<TopKHeap[]> task) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return task.get();
        } catch (InterruptedException e) {
          // The partition is running on another thread and will finish; the caller's interrupt is
          // restored once the result is in.
          interrupted = true;
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtimeException) {
        throw runtimeException;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("top-K partition failed", cause);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The entries of query {@code q} over all partitions as {@link #sortKey} values, sorted best
   * first, at most {@code k}.
   */
  private static long[] merge(TopKHeap[][] perPartition, int q, int k) {
    int total = 0;
    for (TopKHeap[] heaps : perPartition) {
      total += heaps[q].size();
    }
    long[] keys = new long[total];
    int n = 0;
    for (TopKHeap[] heaps : perPartition) {
      TopKHeap heap = heaps[q];
      for (int i = 0; i < heap.size(); i++) {
        keys[n++] = sortKey(heap.score(i), heap.row(i));
      }
    }
    Arrays.sort(keys);
    return keys.length <= k ? keys : Arrays.copyOf(keys, k);
  }

  /**
   * A long whose ascending order is score descending, then row ascending: the upper half is the
   * score's bits mapped to an order-reversed unsigned int (shifted to signed), the lower half the
   * row.
   */
  static long sortKey(float score, int row) {
    float s = score == 0f ? 0f : score; // -0.0 ties with 0.0, as in the heap's comparison
    int bits = Float.floatToIntBits(s);
    // Monotone map of float order onto signed int order.
    int ordered = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
    long descending = -(long) ordered; // larger score first
    return (descending << 32) | (row & 0xFFFFFFFFL);
  }

  static int rowOf(long key) {
    return (int) (key & 0xFFFFFFFFL);
  }

  static float scoreOf(long key) {
    long descending = key >> 32;
    int ordered = (int) -descending;
    int bits = ordered >= 0 ? ordered : ordered ^ 0x7FFFFFFF;
    return Float.intBitsToFloat(bits);
  }

  /** Scans rows {@code [from, to)} for every query. */
  static TopKHeap[] scan(
      VectorStore store,
      float[][] queries,
      int capacity,
      int from,
      int to,
      Eligibility eligibility,
      Kernel kernel) {
    int dim = store.dimension();
    int nq = queries.length;
    TopKHeap[] heaps = new TopKHeap[nq];
    for (int q = 0; q < nq; q++) {
      heaps[q] = new TopKHeap(Math.max(0, capacity));
    }
    if (capacity <= 0 || from >= to) {
      return heaps;
    }
    VectorStore.BlockView view = new VectorStore.BlockView(TILE_ROWS * dim);
    float[] four = new float[4];
    int row = from;
    while (row < to) {
      int seg = store.segmentOf(row);
      int segEnd = Math.min(to, store.segmentStart(seg) + store.segment(seg).rows);
      VectorStore.Segment segment = store.segment(seg);
      if (segment.isMapped() && kernel.readsBuffers() && nq < DIRECT_QUERIES) {
        row =
            scanBuffer(
                segment, store.segmentStart(seg), row, segEnd, queries, heaps, eligibility, kernel);
        continue;
      }
      while (row < segEnd) {
        int n = Math.min(TILE_ROWS, segEnd - row);
        store.block(seg, row, n, view);
        float[] data = view.data;
        int base = view.offset;
        if (nq == 1) {
          float[] query = queries[0];
          TopKHeap heap = heaps[0];
          for (int r = 0; r < n; r++) {
            float score = kernel.dot(query, data, base + r * dim, dim);
            if (heap.accepts(score) && eligibility.test(row + r)) {
              heap.offer(score, row + r);
            }
          }
        } else {
          for (int qb = 0; qb < nq; qb += QUERY_BLOCK) {
            int qe = Math.min(nq, qb + QUERY_BLOCK);
            for (int r = 0; r < n; r++) {
              int off = base + r * dim;
              int q = qb;
              for (; q + 3 < qe; q += 4) {
                kernel.dot4(
                    queries[q],
                    queries[q + 1],
                    queries[q + 2],
                    queries[q + 3],
                    data,
                    off,
                    dim,
                    four);
                consider(heaps[q], four[0], row + r, eligibility);
                consider(heaps[q + 1], four[1], row + r, eligibility);
                consider(heaps[q + 2], four[2], row + r, eligibility);
                consider(heaps[q + 3], four[3], row + r, eligibility);
              }
              for (; q < qe; q++) {
                consider(heaps[q], kernel.dot(queries[q], data, off, dim), row + r, eligibility);
              }
            }
          }
        }
        row += n;
      }
    }
    return heaps;
  }

  /**
   * Scans rows of a mapped segment in place (no copy), for fewer than {@link #DIRECT_QUERIES}
   * queries; returns {@code to}.
   */
  private static int scanBuffer(
      VectorStore.Segment segment,
      int segmentStart,
      int from,
      int to,
      float[][] queries,
      TopKHeap[] heaps,
      Eligibility eligibility,
      Kernel kernel) {
    ByteBuffer bytes = segment.bytes;
    int dim = queries[0].length;
    int rowBytes = dim * Float.BYTES;
    for (int q = 0; q < queries.length; q++) {
      float[] query = queries[q];
      TopKHeap heap = heaps[q];
      for (int row = from; row < to; row++) {
        float score = kernel.dot(query, bytes, (row - segmentStart) * rowBytes, dim);
        if (heap.accepts(score) && eligibility.test(row)) {
          heap.offer(score, row);
        }
      }
    }
    return to;
  }

  private static void consider(TopKHeap heap, float score, int row, Eligibility eligibility) {
    if (heap.accepts(score) && eligibility.test(row)) {
      heap.offer(score, row);
    }
  }

  private static ExecutorService sharedPool() {
    ExecutorService pool = sharedPool;
    if (pool == null) {
      synchronized (POOL_LOCK) {
        pool = sharedPool;
        if (pool == null) {
          AtomicInteger counter = new AtomicInteger();
          pool =
              Executors.newFixedThreadPool(
                  Runtime.getRuntime().availableProcessors(),
                  runnable -> {
                    Thread t =
                        new Thread(runnable, "recformer-index-scan-" + counter.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                  });
          sharedPool = pool;
        }
      }
    }
    return pool;
  }
}
