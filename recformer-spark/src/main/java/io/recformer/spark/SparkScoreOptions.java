package io.recformer.spark;

import io.recformer.core.metrics.HistoryPenalty;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Settings of a scoring job.
 *
 * @param bundle the ONNX bundle (directory or .zip) on the driver's file system, or on storage
 *     every executor mounts at the same path
 * @param shipBundle ship the bundle with the job ({@code SparkContext.addFile}) instead of reading
 *     it from {@code bundle} on every executor
 * @param k recommendations per user
 * @param excludeHistory leave each user's history items out of their list
 * @param historyPenalty with history kept, cosine subtracted from history items' scores
 * @param strategy broadcast the item matrix, score it in blocks, or choose by size
 * @param broadcastLimitBytes AUTO broadcasts the item matrix when it is at most this large (vectors
 *     plus ids); each executor holds it about twice (broadcast copy and index)
 * @param itemBlockRows item rows per block of the block path
 * @param usersPerChunk users scored together against a block (block path) or the matrix
 * @param encoderThreads ONNX Runtime intra-op threads of each executor's encoder (1 suits one task
 *     per core: Spark's task slots are the parallelism)
 * @param encoderBatchSize sequences per ONNX Runtime call
 * @param partitions input partitions for dataset-directory input (tables keep Spark's split)
 * @param overwrite replace an existing output directory instead of failing
 */
public record SparkScoreOptions(
    Path bundle,
    boolean shipBundle,
    int k,
    boolean excludeHistory,
    double historyPenalty,
    Strategy strategy,
    long broadcastLimitBytes,
    int itemBlockRows,
    int usersPerChunk,
    int encoderThreads,
    int encoderBatchSize,
    int partitions,
    boolean overwrite) {

  /** How users are scored against the item matrix. */
  public enum Strategy {
    /** Broadcast when the matrix is at most {@link #broadcastLimitBytes}, blocks otherwise. */
    AUTO,
    /** Every executor holds the whole item matrix; users are scored where they are. */
    BROADCAST,
    /**
     * The matrix is split into blocks; each (user chunk, block) pair is a task; merged per user.
     */
    BLOCKS
  }

  /** Default AUTO threshold: 256 MiB, about 170,000 items of 384 floats. */
  public static final long DEFAULT_BROADCAST_LIMIT = 256L << 20;

  public SparkScoreOptions {
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(strategy, "strategy");
    require(k >= 1, "k", k, ">= 1");
    HistoryPenalty.requireValid(historyPenalty);
    if (historyPenalty > 0 && excludeHistory) {
      throw new IllegalArgumentException(
          "historyPenalty applies to history kept in the list: set excludeHistory to false");
    }
    require(broadcastLimitBytes >= 0, "broadcastLimitBytes", broadcastLimitBytes, ">= 0");
    require(itemBlockRows >= 1, "itemBlockRows", itemBlockRows, ">= 1");
    require(usersPerChunk >= 1, "usersPerChunk", usersPerChunk, ">= 1");
    require(encoderThreads >= 1, "encoderThreads", encoderThreads, ">= 1");
    require(encoderBatchSize >= 1, "encoderBatchSize", encoderBatchSize, ">= 1");
    require(partitions >= 1, "partitions", partitions, ">= 1");
  }

  private static void require(boolean ok, String name, long value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s = %d is out of range: must be %s", name, value, rule));
    }
  }

  /**
   * Top 10 with history excluded, AUTO strategy, bundle read from its path, blocks of 100,000
   * items, chunks of 1,024 users, one encoder thread, batches of 32, 8 input partitions.
   */
  public static SparkScoreOptions defaults(Path bundle) {
    return new SparkScoreOptions(
        bundle,
        false,
        10,
        true,
        0,
        Strategy.AUTO,
        DEFAULT_BROADCAST_LIMIT,
        100_000,
        1_024,
        1,
        32,
        8,
        false);
  }

  public SparkScoreOptions withShipBundle(boolean ship) {
    return new SparkScoreOptions(
        bundle,
        ship,
        k,
        excludeHistory,
        historyPenalty,
        strategy,
        broadcastLimitBytes,
        itemBlockRows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        partitions,
        overwrite);
  }

  public SparkScoreOptions withK(int topK) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        topK,
        excludeHistory,
        historyPenalty,
        strategy,
        broadcastLimitBytes,
        itemBlockRows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        partitions,
        overwrite);
  }

  public SparkScoreOptions withExcludeHistory(boolean exclude) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        exclude,
        exclude ? 0 : historyPenalty,
        strategy,
        broadcastLimitBytes,
        itemBlockRows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        partitions,
        overwrite);
  }

  /** History kept in the lists, its items' scores lowered by {@code penalty}. */
  public SparkScoreOptions withHistoryPenalty(double penalty) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        false,
        penalty,
        strategy,
        broadcastLimitBytes,
        itemBlockRows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        partitions,
        overwrite);
  }

  public SparkScoreOptions withStrategy(Strategy chosen) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        excludeHistory,
        historyPenalty,
        chosen,
        broadcastLimitBytes,
        itemBlockRows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        partitions,
        overwrite);
  }

  public SparkScoreOptions withBroadcastLimitBytes(long limit) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        excludeHistory,
        historyPenalty,
        strategy,
        limit,
        itemBlockRows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        partitions,
        overwrite);
  }

  public SparkScoreOptions withItemBlockRows(int rows) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        excludeHistory,
        historyPenalty,
        strategy,
        broadcastLimitBytes,
        rows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        partitions,
        overwrite);
  }

  public SparkScoreOptions withUsersPerChunk(int users) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        excludeHistory,
        historyPenalty,
        strategy,
        broadcastLimitBytes,
        itemBlockRows,
        users,
        encoderThreads,
        encoderBatchSize,
        partitions,
        overwrite);
  }

  public SparkScoreOptions withEncoder(int threads, int batchSize) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        excludeHistory,
        historyPenalty,
        strategy,
        broadcastLimitBytes,
        itemBlockRows,
        usersPerChunk,
        threads,
        batchSize,
        partitions,
        overwrite);
  }

  public SparkScoreOptions withPartitions(int count) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        excludeHistory,
        historyPenalty,
        strategy,
        broadcastLimitBytes,
        itemBlockRows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        count,
        overwrite);
  }

  public SparkScoreOptions withOverwrite(boolean replace) {
    return new SparkScoreOptions(
        bundle,
        shipBundle,
        k,
        excludeHistory,
        historyPenalty,
        strategy,
        broadcastLimitBytes,
        itemBlockRows,
        usersPerChunk,
        encoderThreads,
        encoderBatchSize,
        partitions,
        replace);
  }
}
