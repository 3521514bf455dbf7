package io.recformer.infer.recommend;

import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * How a {@link Recommender} runs: the threads of its scans, how it checks its files on open, and
 * what it does with items whose text changed since they were indexed. Start from {@link
 * #defaults()}, which suits a service; ONNX Runtime's threads are set separately, in {@code
 * EncoderOptions} (default: one intra-op thread per call).
 *
 * <p>Sizing: with C concurrent requests, about C encoder threads (one each), C request threads
 * scanning their first partition, and the scan pool's threads run at once. Keep C x (intra-op
 * threads) + pool threads near the core count; a service that sets C to the cores keeps the
 * defaults.
 *
 * @param scanThreads partitions of one scan, each on its own thread (the caller runs one); 0 lets
 *     the index choose by work (one for small catalogs, up to the cores for large ones). More
 *     partitions lower the latency of a lone request on a large catalog; under load, 1 gives the
 *     best throughput. Typical: 0, or 1 with many concurrent requests
 * @param scanExecutor runs the other partitions; the recommender never shuts it down. Null: the
 *     recommender owns a fixed pool of {@code scanPoolThreads} daemon threads, shut down by {@link
 *     Recommender#close()}
 * @param scanPoolThreads size of the owned pool (ignored with a {@code scanExecutor}); bounds the
 *     scan threads of all requests together. Typical: cores - 1
 * @param verify read every byte of the index (and the catalog's item file and delta log) and check
 *     the checksums before the open returns: about a second per GB. False opens instantly and runs
 *     the same verification on a background thread, reporting to {@code healthListener} and {@link
 *     Recommender#health()}
 * @param vectorsInHeap read the vectors into the heap instead of memory-mapping them (faster scans,
 *     needs heap for the whole matrix; see {@code OpenOptions#vectorsInHeap})
 * @param onChangedText what opening with a catalog does with items whose text differs from the text
 *     their indexed vector was computed from (the index's text fingerprints)
 * @param healthListener told of every health change (called on the verifying thread); null logs
 *     only
 */
public record RecommenderOptions(
    int scanThreads,
    Executor scanExecutor,
    int scanPoolThreads,
    boolean verify,
    boolean vectorsInHeap,
    ChangedText onChangedText,
    Consumer<Health> healthListener) {

  /** What opening with a catalog does with items whose text changed since they were indexed. */
  public enum ChangedText {
    /** Embed them again and replace their vectors (for a catalog directory: durably). */
    REENCODE,
    /** Refuse to open, naming the items. */
    FAIL
  }

  public RecommenderOptions {
    if (scanThreads < 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "scanThreads = %d is out of range: must be >= 0 (0 = chosen by the index)",
              scanThreads));
    }
    if (scanPoolThreads < 1) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT, "scanPoolThreads = %d is out of range: must be >= 1", scanPoolThreads));
    }
    if (onChangedText == null) {
      throw new IllegalArgumentException("onChangedText must not be null");
    }
  }

  /**
   * For a service: scans partitioned by the index on an owned pool of cores - 1 threads (at least
   * one), fast open with background verification, vectors mapped, changed text re-encoded.
   */
  public static RecommenderOptions defaults() {
    return new RecommenderOptions(
        0,
        null,
        Math.max(1, Runtime.getRuntime().availableProcessors() - 1),
        false,
        false,
        ChangedText.REENCODE,
        null);
  }

  public RecommenderOptions withScanThreads(int threads) {
    return new RecommenderOptions(
        threads,
        scanExecutor,
        scanPoolThreads,
        verify,
        vectorsInHeap,
        onChangedText,
        healthListener);
  }

  /** Scans run on the caller's executor, which the recommender never shuts down. */
  public RecommenderOptions withScanExecutor(Executor executor) {
    return new RecommenderOptions(
        scanThreads,
        executor,
        scanPoolThreads,
        verify,
        vectorsInHeap,
        onChangedText,
        healthListener);
  }

  public RecommenderOptions withScanPoolThreads(int threads) {
    return new RecommenderOptions(
        scanThreads, scanExecutor, threads, verify, vectorsInHeap, onChangedText, healthListener);
  }

  public RecommenderOptions withVerify(boolean verifyOnOpen) {
    return new RecommenderOptions(
        scanThreads,
        scanExecutor,
        scanPoolThreads,
        verifyOnOpen,
        vectorsInHeap,
        onChangedText,
        healthListener);
  }

  public RecommenderOptions withVectorsInHeap(boolean inHeap) {
    return new RecommenderOptions(
        scanThreads, scanExecutor, scanPoolThreads, verify, inHeap, onChangedText, healthListener);
  }

  public RecommenderOptions withOnChangedText(ChangedText policy) {
    return new RecommenderOptions(
        scanThreads, scanExecutor, scanPoolThreads, verify, vectorsInHeap, policy, healthListener);
  }

  public RecommenderOptions withHealthListener(Consumer<Health> listener) {
    return new RecommenderOptions(
        scanThreads, scanExecutor, scanPoolThreads, verify, vectorsInHeap, onChangedText, listener);
  }
}
