package io.recformer.serve;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request counts, errors and latencies per endpoint. Latency percentiles are over a sliding window
 * of each endpoint's most recent {@value #WINDOW} requests, so they follow the current load and
 * cost constant memory.
 */
final class Metrics {

  static final int WINDOW = 4096;

  /** One endpoint's counters. */
  record Snapshot(
      long requests, long clientErrors, long serverErrors, double p50Millis, double p99Millis) {}

  private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

  void record(String endpoint, int status, long nanos) {
    endpoints.computeIfAbsent(endpoint, e -> new Endpoint()).record(status, nanos);
  }

  /** Every endpoint seen so far, by name. */
  Map<String, Snapshot> snapshot() {
    Map<String, Snapshot> out = new TreeMap<>();
    endpoints.forEach((name, endpoint) -> out.put(name, endpoint.snapshot()));
    return out;
  }

  private static final class Endpoint {
    private final long[] window = new long[WINDOW];
    private long requests;
    private long clientErrors;
    private long serverErrors;

    synchronized void record(int status, long nanos) {
      window[(int) (requests % WINDOW)] = nanos;
      requests++;
      if (status >= 500) {
        serverErrors++;
      } else if (status >= 400) {
        clientErrors++;
      }
    }

    Snapshot snapshot() {
      long[] recent;
      long count;
      long client;
      long server;
      synchronized (this) {
        count = requests;
        client = clientErrors;
        server = serverErrors;
        recent = Arrays.copyOf(window, (int) Math.min(count, WINDOW));
      }
      Arrays.sort(recent);
      return new Snapshot(
          count, client, server, percentile(recent, 0.50), percentile(recent, 0.99));
    }
  }

  /** The nearest-rank percentile in milliseconds (0 for no data). */
  static double percentile(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sortedNanos.length);
    return sortedNanos[Math.max(0, rank - 1)] / 1e6;
  }
}
