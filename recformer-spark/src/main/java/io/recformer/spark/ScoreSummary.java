package io.recformer.spark;

import io.recformer.spark.SparkScoreOptions.Strategy;

/**
 * What a scoring job did.
 *
 * @param items catalog items encoded
 * @param users users scored
 * @param strategy the scoring path taken (never AUTO)
 * @param itemMillis time to encode the catalog
 * @param userMillis time to join and encode the histories
 * @param scoreMillis time to score, cut and write the lists
 * @param output where the Parquet table was written
 */
public record ScoreSummary(
    long items,
    long users,
    Strategy strategy,
    long itemMillis,
    long userMillis,
    long scoreMillis,
    String output) {

  /** Items encoded per second of the item stage. */
  public double itemsPerSecond() {
    return items * 1000.0 / Math.max(1, itemMillis);
  }

  /** Users encoded per second of the user stage. */
  public double usersEncodedPerSecond() {
    return users * 1000.0 / Math.max(1, userMillis);
  }

  /** Users scored (and written) per second of the scoring stage. */
  public double usersScoredPerSecond() {
    return users * 1000.0 / Math.max(1, scoreMillis);
  }
}
