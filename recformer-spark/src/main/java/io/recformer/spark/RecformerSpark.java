package io.recformer.spark;

import io.recformer.spark.SparkScoreOptions.Strategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch recommendations on Spark: encodes the catalog and every user's history with an ONNX bundle
 * (one encoder per executor JVM), scores the users against the item matrix and writes each user's
 * top-K as Parquet with columns {@code user_id} (string), {@code rank} (int, 1 = best), {@code
 * item_id} (string) and {@code score} (float, cosine after any history penalty). The lists equal
 * {@link io.recformer.infer.recommend.Recommender}'s for the same bundle, catalog and options.
 *
 * <pre>{@code
 * ScoreSummary summary = RecformerSpark.scoreUsers(spark,
 *     ItemSource.dataset(Path.of("data/amazon-scientific-unisrec")),
 *     UserSource.dataset(Path.of("data/amazon-scientific-unisrec"), UserSource.Histories.FULL),
 *     SparkScoreOptions.defaults(Path.of("bundle")).withShipBundle(true),
 *     "out/recommendations");
 * }</pre>
 */
public final class RecformerSpark {

  private static final Logger LOG = LoggerFactory.getLogger(RecformerSpark.class);

  /** Schema of the output table. */
  public static final StructType OUTPUT_SCHEMA =
      new StructType()
          .add("user_id", DataTypes.StringType, false)
          .add("rank", DataTypes.IntegerType, false)
          .add("item_id", DataTypes.StringType, false)
          .add("score", DataTypes.FloatType, false);

  private RecformerSpark() {}

  /**
   * Scores every user of {@code users} against the items of {@code items} and writes the lists to
   * {@code output} (a directory on any file system Spark writes; Spark's committer makes it appear
   * complete or not at all).
   *
   * @throws IllegalArgumentException for bad input (a history item the catalog lacks, a missing
   *     column, a user given twice), naming it; for an existing output without {@code overwrite}
   */
  public static ScoreSummary scoreUsers(
      SparkSession spark,
      ItemSource items,
      UserSource users,
      SparkScoreOptions options,
      String output) {
    Objects.requireNonNull(spark, "spark");
    Objects.requireNonNull(items, "items");
    Objects.requireNonNull(users, "users");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(output, "output");
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    if (!options.overwrite() && exists(spark, output)) {
      throw new IllegalArgumentException(
          "output " + output + " already exists; choose another or allow overwriting it");
    }
    BundleLocation bundle =
        options.shipBundle()
            ? BundleLocation.ship(spark, options.bundle())
            : BundleLocation.shared(options.bundle());
    JobSettings settings =
        new JobSettings(
            bundle,
            options.encoderThreads(),
            options.encoderBatchSize(),
            options.k(),
            options.excludeHistory(),
            options.historyPenalty(),
            options.usersPerChunk());
    Inputs inputs = new Inputs(spark, options.partitions());
    List<JavaRDD<?>> cached = new ArrayList<>();
    try {
      long start = System.nanoTime();
      JavaRDD<ItemText> itemTexts = inputs.items(items).persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(itemTexts);
      JavaRDD<ItemVector> itemVectors =
          Encoding.items(itemTexts, settings).persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(itemVectors);
      long itemCount = itemVectors.count();
      if (itemCount == 0) {
        throw new IllegalArgumentException("the item input " + items.path() + " has no items");
      }
      long itemMillis = millisSince(start);
      int dimension = itemVectors.first().vector().length;
      LOG.info(
          "encoded {} items in {} ms ({} items/s)",
          itemCount,
          itemMillis,
          rate(itemCount, itemMillis));

      start = System.nanoTime();
      JavaRDD<EncodedUser> encodedUsers =
          Encoding.users(Encoding.histories(inputs.users(users), itemTexts), settings)
              .persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(encodedUsers);
      long userCount = encodedUsers.count();
      long userMillis = millisSince(start);
      LOG.info(
          "encoded {} user histories in {} ms ({} users/s)",
          userCount,
          userMillis,
          rate(userCount, userMillis));

      long matrixBytes = matrixBytes(itemCount, dimension);
      Strategy strategy = options.strategy();
      if (strategy == Strategy.AUTO) {
        strategy =
            matrixBytes <= options.broadcastLimitBytes() ? Strategy.BROADCAST : Strategy.BLOCKS;
      }
      LOG.info(
          "item matrix: {} items x {} floats, about {} MiB: scoring by {}",
          itemCount,
          dimension,
          matrixBytes >> 20,
          strategy == Strategy.BROADCAST ? "broadcast" : "blocks of " + options.itemBlockRows());
      start = System.nanoTime();
      JavaRDD<Row> rows =
          strategy == Strategy.BROADCAST
              ? Scoring.broadcast(context, Scoring.collect(itemVectors), encodedUsers, settings)
              : Scoring.blocks(
                  itemVectors, encodedUsers, settings, options.itemBlockRows(), cached);
      spark
          .createDataFrame(rows, OUTPUT_SCHEMA)
          .write()
          .mode(options.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
          .parquet(output);
      long scoreMillis = millisSince(start);
      LOG.info(
          "scored {} users and wrote {} in {} ms ({} users/s)",
          userCount,
          output,
          scoreMillis,
          rate(userCount, scoreMillis));
      return new ScoreSummary(
          itemCount, userCount, strategy, itemMillis, userMillis, scoreMillis, output);
    } finally {
      cached.forEach(JavaRDD::unpersist);
    }
  }

  private static boolean exists(SparkSession spark, String output) {
    try {
      Path path = new Path(output);
      return path.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check the output path " + output, e);
    }
  }

  /** Bytes of an item matrix as broadcast: the floats plus about 40 bytes of id per item. */
  static long matrixBytes(long items, int dimension) {
    return items * ((long) dimension * Float.BYTES + 40);
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static String rate(long count, long millis) {
    return String.format(Locale.ROOT, "%.1f", count * 1000.0 / Math.max(1, millis));
  }
}
