package io.recformer.infer.recommend;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A bounded in-process load: {@code concurrency} threads issue requests (numbered 0, 1, ...) back
 * to back until {@code requests} are done or the time limit passes, recording each latency. Used by
 * {@link ServingLoadTest} for correctness under concurrency (never timing) and by {@link
 * ServingBenchmark} for latency and throughput.
 */
final class ServingLoad {

  /** Latencies of the completed requests and the wall time of the run. */
  // A sorted array of latencies: copied in, equals and hashCode below compare its contents.
  @SuppressWarnings("ArrayRecordComponent")
  record Result(int concurrency, long[] latencyNanos, long wallNanos) {

    Result {
      latencyNanos = latencyNanos.clone();
      Arrays.sort(latencyNanos);
    }

    int completed() {
      return latencyNanos.length;
    }

    double percentileMillis(double p) {
      if (latencyNanos.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(p / 100 * latencyNanos.length) - 1;
      return latencyNanos[Math.max(0, Math.min(latencyNanos.length - 1, index))] / 1e6;
    }

    double throughputPerSecond() {
      return completed() / (wallNanos / 1e9);
    }

    String row(String what) {
      return String.format(
          Locale.ROOT,
          "| %s | %d | %d | %.2f | %.2f | %.1f |",
          what,
          concurrency,
          completed(),
          percentileMillis(50),
          percentileMillis(99),
          throughputPerSecond());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Result r
          && r.concurrency == concurrency
          && r.wallNanos == wallNanos
          && Arrays.equals(r.latencyNanos, latencyNanos);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(latencyNanos) + Long.hashCode(wallNanos) + concurrency;
    }
  }

  static final String HEADER =
      "| what | concurrency | requests | p50 ms | p99 ms | requests/s |\n"
          + "|---|---:|---:|---:|---:|---:|";

  private ServingLoad() {}

  static Result run(int concurrency, int requests, long limitMillis, IntConsumer request)
      throws InterruptedException, ExecutionException {
    ExecutorService threads = Executors.newFixedThreadPool(concurrency);
    try {
      AtomicInteger next = new AtomicInteger();
      long[] latencies = new long[requests];
      AtomicInteger done = new AtomicInteger();
      long start = System.nanoTime();
      long deadline = start + limitMillis * 1_000_000L;
      Future<?>[] workers = new Future<?>[concurrency];
      for (int t = 0; t < concurrency; t++) {
        workers[t] =
            threads.submit(
                () -> {
                  int i;
                  while ((i = next.getAndIncrement()) < requests && System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    request.accept(i);
                    latencies[i] = System.nanoTime() - t0;
                    done.incrementAndGet();
                  }
                });
      }
      for (Future<?> worker : workers) {
        worker.get();
      }
      long wall = System.nanoTime() - start;
      long[] completed = Arrays.stream(latencies).filter(l -> l > 0).toArray();
      return new Result(concurrency, completed, wall);
    } finally {
      threads.shutdown();
      threads.awaitTermination(1, TimeUnit.MINUTES);
    }
  }
}
