package io.recformer.cli;

import io.recformer.spark.InputFormat;
import io.recformer.spark.ItemSource;
import io.recformer.spark.RecformerSpark;
import io.recformer.spark.ScoreSummary;
import io.recformer.spark.SparkScoreOptions;
import io.recformer.spark.UserSource;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark side of {@code recformer spark score}, loaded only when Spark is on the class path. A
 * local master binds and advertises 127.0.0.1 only and runs without the web UI.
 */
final class SparkScoreRun {

  private SparkScoreRun() {}

  static int run(SparkCommand.Score command) throws Exception {
    ItemSource items = itemSource(command);
    UserSource users = userSource(command);
    SparkScoreOptions options =
        SparkScoreOptions.defaults(command.bundle)
            .withShipBundle(command.shipBundle)
            .withK(command.k)
            .withStrategy(
                SparkScoreOptions.Strategy.valueOf(command.strategy.toUpperCase(Locale.ROOT)))
            .withBroadcastLimitBytes(command.broadcastLimitMb << 20)
            .withItemBlockRows(command.blockItems)
            .withUsersPerChunk(command.usersPerChunk)
            .withEncoder(command.threads, command.batchSize)
            .withPartitions(command.partitions)
            .withOverwrite(command.overwrite);
    options =
        command.historyPenalty != null
            ? options.withHistoryPenalty(command.historyPenalty)
            : options.withExcludeHistory(!command.includeHistory);
    SparkSession.Builder builder =
        SparkSession.builder().master(command.master).appName("recformer spark score");
    if (command.master.startsWith("local")) {
      builder =
          builder
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.ui.enabled", false)
              .config("spark.ui.showConsoleProgress", false);
    }
    SparkSession spark = builder.getOrCreate();
    try {
      ScoreSummary summary = RecformerSpark.scoreUsers(spark, items, users, options, command.out);
      System.out.printf(
          Locale.ROOT,
          "scored %d users against %d items (%s) -> %s%n"
              + "items encoded: %.1f/s; users encoded: %.1f/s; users scored and written: %.1f/s%n",
          summary.users(),
          summary.items(),
          summary.strategy().name().toLowerCase(Locale.ROOT),
          summary.output(),
          summary.itemsPerSecond(),
          summary.usersEncodedPerSecond(),
          summary.usersScoredPerSecond());
      return 0;
    } catch (Exception e) { // Scala code throws SparkException (checked) undeclared
      // A task's bad-input failure reaches the driver wrapped in a SparkException; report it as
      // bad input with the task's message.
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof IllegalArgumentException bad) {
          throw cause == e ? bad : new IllegalArgumentException(bad.getMessage(), e);
        }
      }
      if (e instanceof SparkException) {
        throw new IllegalStateException("Spark job failed: " + e.getMessage(), e);
      }
      throw e;
    } finally {
      spark.stop();
    }
  }

  private static ItemSource itemSource(SparkCommand.Score command) {
    if (command.data != null) {
      return ItemSource.dataset(command.data);
    }
    if (command.items == null) {
      throw new IllegalArgumentException("give the catalog with --data or --items");
    }
    ItemSource source =
        command.itemsFormat == SparkCommand.Format.dataset
            ? ItemSource.dataset(Path.of(command.items))
            : ItemSource.table(format(command.itemsFormat), command.items);
    return source.withIdColumn(command.idColumn).withAttributeColumns(command.attributeColumns);
  }

  private static UserSource userSource(SparkCommand.Score command) {
    UserSource.Histories histories =
        UserSource.Histories.valueOf(command.histories.toUpperCase(Locale.ROOT));
    if (command.users == null) {
      if (command.data == null) {
        throw new IllegalArgumentException("give the users with --data or --users");
      }
      return UserSource.dataset(command.data, histories);
    }
    return command.usersFormat == SparkCommand.Format.dataset
        ? UserSource.dataset(Path.of(command.users), histories)
        : UserSource.table(format(command.usersFormat), command.users);
  }

  private static InputFormat format(SparkCommand.Format format) {
    return format == SparkCommand.Format.parquet ? InputFormat.PARQUET : InputFormat.JSON;
  }
}
